package io.sslwrite.interop;

import io.netty.channel.ChannelFuture;
import io.netty.handler.ssl.ClientAuth;
import io.sslwrite.SslWriteContext;
import io.sslwrite.testing.TestPki;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import javax.net.ssl.SSLHandshakeException;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DESIGN §7: sslwrite as the server of {@code openssl s_client}, over a real loopback connection. The
 * client verifies the test CA and the name localhost and runs quiet: its stdin goes to sslwrite, what
 * it receives comes out on its stdout, so both directions are compared by SHA-256.
 */
class OpenSslClientInteropTest extends AbstractInteropTest {

    @BeforeEach
    void requireOpenSsl() {
        opensslVersion();
    }

    static Stream<Arguments> versions() {
        return Stream.of(
                Arguments.of("TLSv1.3", "-tls1_3", "EC"),
                Arguments.of("TLSv1.2", "-tls1_2", "EC"),
                Arguments.of("TLSv1.2", "-tls1_2", "RSA"));
    }

    @ParameterizedTest(name = "{0}, {2} server certificate")
    @MethodSource("versions")
    void eightMebibytesEachWayArriveIntactBetweenOpenSslClientAndSslwriteServer(String protocol, String flag,
                                                                               String keyType) throws Exception {
        byte[] toServer = payload(3, PAYLOAD_BYTES);
        byte[] toClient = payload(4, PAYLOAD_BYTES);
        SslWriteContext context = (keyType.equals("RSA")
                ? SslWriteContext.forServer(TestPki.rsaServerCertPem(), TestPki.rsaServerKeyPem())
                : SslWriteContext.forServer(TestPki.serverCertPem(), TestPki.serverKeyPem()))
                .protocols(protocol).build();
        Server server = serve(context, PAYLOAD_BYTES);

        PeerProcess client = startOpenSslClient(server.port(), TestPki.caPem(), flag);
        CompletableFuture<String> clientReceived = hashExactly(client.stdout(), PAYLOAD_BYTES);
        Connection connection = server.accepted();
        awaitSuccess(connection.handler().handshakeFuture(), "handshake with openssl s_client");
        assertEquals(protocol, connection.handler().session().protocol());

        CompletableFuture<Void> fed = feed(client.stdin(), toServer);
        List<ChannelFuture> writes = connection.send(toClient);
        connection.awaitWrites(writes);
        assertSameBytes(toClient, await(clientReceived, "s_client printing what sslwrite sent"), "sslwrite -> s_client");
        await(fed, "feeding s_client's stdin");
        assertSameBytes(toServer, connection.receiver().awaitDigest(), "s_client -> sslwrite");
        assertEquals(List.of(), connection.receiver().exceptions);

        awaitSuccess(connection.channel().close(), "closing the sslwrite server connection");
        // s_client ends when it reads our close_notify; a truncated close would make it complain.
        assertEquals(0, awaitExit(client), "s_client exit status: " + client.describe());
    }

    @Test
    void serverRequiringAClientCertificateSeesTheOneOpenSslPresented() throws Exception {
        SslWriteContext context = SslWriteContext.forServer(TestPki.serverCertPem(), TestPki.serverKeyPem())
                .clientAuth(ClientAuth.REQUIRE).trustManager(TestPki.caPem()).build();
        Server server = serve(context, 0);

        startOpenSslClient(server.port(), TestPki.caPem(), "-tls1_3",
                "-cert", TestPki.clientCertPem().toString(), "-key", TestPki.clientKeyPem().toString());
        Connection connection = server.accepted();

        awaitSuccess(connection.handler().handshakeFuture(), "handshake with a client certificate");
        assertArrayEquals(TestPki.clientChain()[0].getEncoded(),
                connection.handler().session().peerCertificates()[0].getEncoded());
    }

    @Test
    void clientThatDoesNotTrustTheServerMakesTheHandshakeFailWithTheAlertItSent() throws Exception {
        SslWriteContext context = SslWriteContext.forServer(TestPki.serverCertPem(), TestPki.serverKeyPem()).build();
        Server server = serve(context, 0);

        // s_client trusts only the wrong CA and aborts on the failed verification.
        startOpenSslClient(server.port(), TestPki.wrongCaPem(), "-tls1_3");
        Connection connection = server.accepted();

        Throwable cause = assertFailed(connection.handler().handshakeFuture(), "handshake with a client that refuses");
        assertInstanceOf(SSLHandshakeException.class, cause);
        // OpenSSL answers an issuer it does not know with unknown_ca(48); DESIGN §3 wants the alert named.
        assertTrue(cause.getMessage() != null && cause.getMessage().contains("unknown_ca"),
                "message should name the alert the peer sent: " + cause.getMessage());
        await(connection.channel().closeFuture(), "the server closing after the refused handshake");
        assertEquals(1, connection.receiver().exceptions.size(),
                "exceptionCaught once, got: " + connection.receiver().exceptions);
    }

    /**
     * Starts {@code openssl s_client} against 127.0.0.1:{@code port}, verifying the server for
     * localhost with {@code ca} and aborting when verification fails. Quiet mode also ignores the end
     * of stdin and turns off typed commands, so binary data passes as it is.
     */
    PeerProcess startOpenSslClient(int port, File ca, String protocolFlag, String... extra) {
        List<String> command = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port,
                "-CAfile", ca.toString(), "-servername", "localhost", "-verify_hostname", "localhost",
                "-verify_return_error", "-quiet", protocolFlag));
        command.addAll(List.of(extra));
        return start(command.toArray(String[]::new));
    }

    private static int awaitExit(PeerProcess process) {
        return await(CompletableFuture.supplyAsync(() -> {
            try {
                return process.process.waitFor();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }), "openssl s_client exiting");
    }
}
