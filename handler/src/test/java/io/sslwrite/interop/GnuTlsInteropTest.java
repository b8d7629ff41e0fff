package io.sslwrite.interop;

import io.netty.channel.ChannelFuture;
import io.sslwrite.SslWriteContext;
import io.sslwrite.testing.TestPki;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * DESIGN §7: GnuTLS as a real peer, both roles, TLS 1.2 and 1.3: {@code gnutls-serv --echo} returns
 * 1 MiB that an sslwrite client sent, and {@code gnutls-cli} reads a 1 MiB response from an sslwrite
 * server; SHA-256 equal both ways. Debian/Ubuntu package {@code gnutls-bin}.
 */
class GnuTlsInteropTest extends AbstractInteropTest {

    private static final int RESPONSE_BYTES = 1 << 20;

    /** GnuTLS priority strings that allow exactly one protocol version. */
    private static String priority(String protocol) {
        return "NORMAL:-VERS-ALL:+VERS-" + (protocol.equals("TLSv1.3") ? "TLS1.3" : "TLS1.2");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void gnutlsServEchoesAMebibyteThatAnSslwriteClientSent(String protocol) throws Exception {
        requireGnuTls("gnutls-serv");
        int port = freePort();
        PeerProcess server = start("gnutls-serv", "--port", Integer.toString(port), "--echo", "--crlf", "-a",
                // The RSA pair: GnuTLS cannot parse a PKCS#8 EC key without its public key, as the test PKI writes it.
                "--x509certfile", TestPki.rsaServerCertPem().toString(), "--x509keyfile", TestPki.rsaServerKeyPem().toString(),
                "--priority", priority(protocol));
        // It prints what it echoes, and more, on stdout.
        discard(server.stdout());
        awaitListening(server, port);
        // The echo server answers line by line, lines of at most 1 KiB.
        byte[] request = lines(5, RESPONSE_BYTES);

        Connection connection = connect(SslWriteContext.forClient().trustManager(TestPki.caPem()).build(),
                "localhost", port, RESPONSE_BYTES);
        awaitSuccess(connection.handler().handshakeFuture(), "handshake with gnutls-serv");
        assertEquals(protocol, connection.handler().session().protocol());
        List<ChannelFuture> writes = connection.send(request);
        connection.awaitWrites(writes);
        assertSameBytes(request, connection.receiver().awaitDigest(), "sslwrite -> gnutls-serv -> sslwrite");
        assertEquals(List.of(), connection.receiver().exceptions);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void gnutlsCliReadsAMebibyteResponseFromAnSslwriteServer(String protocol) throws Exception {
        requireGnuTls("gnutls-cli");
        Server server = serve(SslWriteContext.forServer(TestPki.serverCertPem(), TestPki.serverKeyPem())
                .protocols(protocol).build(), 0);
        byte[] response = payload(6, RESPONSE_BYTES);

        PeerProcess client = start("gnutls-cli", "--x509cafile", TestPki.caPem().toString(),
                "--port", Integer.toString(server.port()), "--sni-hostname", "localhost",
                "--verify-hostname", "localhost", "--priority", priority(protocol),
                "--logfile", "/dev/null", "127.0.0.1");
        CompletableFuture<String> received = hashExactly(client.stdout(), RESPONSE_BYTES);
        Connection connection = server.accepted();
        awaitSuccess(connection.handler().handshakeFuture(), "handshake with gnutls-cli");
        assertEquals(protocol, connection.handler().session().protocol());

        connection.awaitWrites(connection.send(response));
        assertSameBytes(response, await(received, "gnutls-cli printing the response"), "sslwrite -> gnutls-cli");
        awaitSuccess(connection.channel().close(), "closing the sslwrite connection");
        assertEquals(List.of(), connection.receiver().exceptions);
        // gnutls-cli ends when it reads our close_notify.
        client.stdin().close();
        if (!client.process.waitFor(GUARD_SECONDS, TimeUnit.SECONDS)) {
            fail("hang: gnutls-cli did not exit after close_notify: " + client.describe());
        }
    }

    /** Printable lines of 1023 bytes and a newline, as gnutls-serv --echo reads them. */
    private static byte[] lines(long seed, int size) {
        byte[] bytes = payload(seed, size);
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = i % 1024 == 1023 ? (byte) '\n' : (byte) ('A' + (bytes[i] & 0x1f));
        }
        return bytes;
    }

    /** Fails, telling how to fix it, when GnuTLS's command-line tools are not installed. */
    private static void requireGnuTls(String tool) {
        try {
            Process process = new ProcessBuilder(tool, "--version").redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(GUARD_SECONDS, TimeUnit.SECONDS) || process.exitValue() != 0) {
                fail("`" + tool + " --version` failed: " + out);
            }
        } catch (IOException e) {
            fail("the interop tests need GnuTLS's " + tool + ", which is not on PATH: install it (Debian/Ubuntu:"
                    + " apt-get install gnutls-bin; macOS: brew install gnutls) and run again", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UncheckedIOException(new IOException("interrupted"));
        }
    }
}
