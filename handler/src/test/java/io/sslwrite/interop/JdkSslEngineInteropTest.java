package io.sslwrite.interop;

import io.netty.channel.ChannelFuture;
import io.sslwrite.SslWriteContext;
import io.sslwrite.testing.BuildMode;
import io.sslwrite.testing.TestPki;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import java.net.InetAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * DESIGN §7: sslwrite against the JDK's own TLS ({@code SSLSocket}, {@code SSLServerSocket}, the
 * SunJSSE {@code SSLEngine} underneath), in both roles, TLS 1.2 and 1.3, 8 MiB each way over a real
 * loopback connection, compared by SHA-256. The JDK side closes with close_notify, which sslwrite
 * reports through {@code sslCloseFuture()}.
 */
class JdkSslEngineInteropTest extends AbstractInteropTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void eightMebibytesEachWayArriveIntactBetweenSslwriteClientAndJdkServer(String protocol) throws Exception {
        byte[] toServer = payload(5, PAYLOAD_BYTES);
        byte[] toClient = payload(6, PAYLOAD_BYTES);
        SSLServerSocket listener = jdkServer(protocol);
        CompletableFuture<SSLSocket> accepted = acceptAndHandshake(listener);

        SslWriteContext context = SslWriteContext.forClient().trustManager(TestPki.caPem()).build();
        Connection client = connect(context, "localhost", listener.getLocalPort(), PAYLOAD_BYTES);
        try (SSLSocket server = await(accepted, "JDK server accepting and handshaking")) {
            awaitSuccess(client.handler().handshakeFuture(), "handshake with the JDK server");
            assertEquals(protocol, client.handler().session().protocol());
            assertEquals(protocol, server.getSession().getProtocol());

            exchange(client, server, toServer, toClient);
        }
        // The JDK sent close_notify on close.
        awaitSuccess(client.handler().sslCloseFuture(), "sslCloseFuture after the JDK server's close_notify");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void eightMebibytesEachWayArriveIntactBetweenJdkClientAndSslwriteServer(String protocol) throws Exception {
        byte[] toServer = payload(7, PAYLOAD_BYTES);
        byte[] toClient = payload(8, PAYLOAD_BYTES);
        SslWriteContext context = SslWriteContext.forServer(TestPki.serverCertPem(), TestPki.serverKeyPem()).build();
        Server server = serve(context, PAYLOAD_BYTES);

        Socket tcp = new Socket(InetAddress.getLoopbackAddress(), server.port());
        SSLSocket client = (SSLSocket) jdkContext(false).getSocketFactory()
                .createSocket(tcp, "localhost", server.port(), true);
        closeAfterTest(client);
        SSLParameters parameters = client.getSSLParameters();
        parameters.setProtocols(new String[] {protocol});
        parameters.setServerNames(List.of(new SNIHostName("localhost")));
        // The JDK checks the server certificate for localhost, as a browser would.
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        client.setSSLParameters(parameters);
        Connection connection = server.accepted();
        await(CompletableFuture.runAsync(() -> {
            try {
                client.startHandshake();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }), "JDK client handshake");
        awaitSuccess(connection.handler().handshakeFuture(), "handshake with the JDK client");
        assertEquals(protocol, connection.handler().session().protocol());
        assertEquals(protocol, client.getSession().getProtocol());

        exchange(connection, client, toClient, toServer);
        client.close();
        awaitSuccess(connection.handler().sslCloseFuture(), "sslCloseFuture after the JDK client's close_notify");
    }

    /**
     * The writes of an HTTP/2 server sending a large body: for each 16 KiB DATA frame a 9-byte header in
     * a pooled direct buffer and the payload as a slice of a heap array, flushed 64 frames at a time. Each
     * record then holds the end of one frame, the next header and most of the next payload, packed from
     * three writes of two kinds of buffer; the JDK decrypts them with each kind of record cipher.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("recordCiphers")
    void framesPackedFromDirectHeadersAndHeapPayloadsArriveIntact(String protocol, String suite) throws Exception {
        int frame = 16384;
        int frames = 512;
        byte[] payloads = payload(9, frame * frames);
        byte[] expected = new byte[frames * (9 + frame)];
        SSLServerSocket listener = jdkServer(protocol);
        CompletableFuture<SSLSocket> accepted = acceptAndHandshake(listener);
        SslWriteContext context = SslWriteContext.forClient().trustManager(TestPki.caPem())
                .protocols(protocol).cipherSuites(suite).build();
        Connection client = connect(context, "localhost", listener.getLocalPort(), 0);
        try (SSLSocket server = await(accepted, "JDK server accepting and handshaking")) {
            awaitSuccess(client.handler().handshakeFuture(), "handshake with the JDK server");
            assertEquals(suite, server.getSession().getCipherSuite());
            CompletableFuture<String> received = hashExactly(server.getInputStream(), expected.length);
            List<ChannelFuture> writes = new ArrayList<>();
            for (int i = 0; i < frames; i++) {
                int at = i * (9 + frame);
                for (int b = 0; b < 9; b++) {
                    expected[at + b] = (byte) (i * 9 + b);
                }
                System.arraycopy(payloads, i * frame, expected, at + 9, frame);
                ByteBuf header = client.channel().alloc().directBuffer(9).writeBytes(expected, at, 9);
                writes.add(client.channel().write(header));
                writes.add(client.channel().write(Unpooled.wrappedBuffer(payloads, i * frame, frame)));
                if (i % 64 == 63) {
                    client.channel().flush();
                }
            }
            client.awaitWrites(writes);
            assertSameBytes(expected, await(received, "the JDK reading the frames"), "sslwrite -> JDK");
        }
    }

    /**
     * sslwrite's own AES-GCM record cipher and one of bctls's: ChaCha20-Poly1305, or in the FIPS build, which
     * does not approve it, AES-CBC with HMAC.
     */
    static Stream<Arguments> recordCiphers() {
        String tls12Other = BuildMode.FIPS
                ? "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256" : "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256";
        Stream<Arguments> all = Stream.of(
                Arguments.of("TLSv1.3", "TLS_AES_128_GCM_SHA256"),
                Arguments.of("TLSv1.3", "TLS_AES_256_GCM_SHA384"),
                Arguments.of("TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"),
                Arguments.of("TLSv1.2", tls12Other));
        return BuildMode.FIPS ? all : Stream.concat(all, Stream.of(Arguments.of("TLSv1.3", "TLS_CHACHA20_POLY1305_SHA256")));
    }

    /** sslwrite sends {@code fromSslwrite} while the JDK side sends {@code fromJdk}; both arrive intact. */
    private void exchange(Connection sslwrite, SSLSocket jdk, byte[] fromSslwrite, byte[] fromJdk) throws Exception {
        CompletableFuture<String> jdkReceived = hashExactly(jdk.getInputStream(), fromSslwrite.length);
        CompletableFuture<Void> jdkSent = feed(jdk.getOutputStream(), fromJdk);
        List<ChannelFuture> writes = sslwrite.send(fromSslwrite);
        sslwrite.awaitWrites(writes);
        assertSameBytes(fromSslwrite, await(jdkReceived, "the JDK reading what sslwrite sent"), "sslwrite -> JDK");
        await(jdkSent, "the JDK writing");
        assertSameBytes(fromJdk, sslwrite.receiver().awaitDigest(), "JDK -> sslwrite");
        assertEquals(List.of(), sslwrite.receiver().exceptions);
    }
}
