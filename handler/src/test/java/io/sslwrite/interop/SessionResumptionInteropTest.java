package io.sslwrite.interop;

import io.sslwrite.SslWriteContext;
import io.sslwrite.testing.TestPki;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DESIGN §3.1, TLS 1.2 session resumption by session ID (RFC 5246 §7.3), both ways with {@code openssl} and
 * sslwrite to sslwrite: the second connection resumes the first's session, and one whose session expired or
 * was evicted is a full handshake. Resumption shows on both sides: {@code session().isResumed()}, and
 * s_client's "Reused" line; a resumed connection carries data like any other and still reports the
 * certificates of the full handshake.
 */
class SessionResumptionInteropTest extends AbstractInteropTest {

    private static SslWriteContext.Builder tls12Server() {
        return SslWriteContext.forServer(TestPki.serverCertPem(), TestPki.serverKeyPem()).protocols("TLSv1.2");
    }

    private static SslWriteContext.Builder client() {
        return SslWriteContext.forClient().trustManager(TestPki.caPem());
    }

    @Test
    void openSslClientResumesWithSessOutThenSessIn() throws Exception {
        Server server = serve(tls12Server().build(), 0);
        Path session = Path.of(System.getProperty("java.io.tmpdir")).resolve("sslwrite-sess-" + server.port() + ".pem");
        session.toFile().deleteOnExit();

        String first = sClient(server.port(), "-sess_out", session.toString());
        assertTrue(first.contains("New, TLSv1.2"), "a full handshake first\n" + first);
        Connection full = server.accepted();
        awaitSuccess(full.handler().handshakeFuture(), "first handshake");
        assertFalse(full.handler().session().isResumed());

        String second = sClient(server.port(), "-sess_in", session.toString());
        assertTrue(second.contains("Reused, TLSv1.2"), "s_client resumed\n" + second);
        Connection resumed = server.accepted();
        awaitSuccess(resumed.handler().handshakeFuture(), "resumed handshake");
        assertTrue(resumed.handler().session().isResumed());
        assertEquals(full.handler().session().cipherSuite(), resumed.handler().session().cipherSuite());
    }

    @Test
    void sslwriteClientResumesWithOpenSslServer() throws Exception {
        PeerProcess server = startOpenSslServer("-tls1_2", TestPki.serverCertPem().toPath(),
                TestPki.serverKeyPem().toPath(), "-naccept", "2");
        SslWriteContext context = client().build();

        Connection first = connect(context, "localhost", server.port, 0);
        awaitSuccess(first.handler().handshakeFuture(), "first handshake with s_server");
        assertFalse(first.handler().session().isResumed());
        first.channel().close().sync();

        Connection second = connect(context, "localhost", server.port, 0);
        awaitSuccess(second.handler().handshakeFuture(), "second handshake with s_server");
        assertTrue(second.handler().session().isResumed(), "the client offered its session and s_server took it");
        assertEquals("TLSv1.2", second.handler().session().protocol());
        assertArrayEquals(first.handler().session().peerCertificates(), second.handler().session().peerCertificates(),
                "the resumed session reports the certificates of the full handshake");
    }

    @Test
    void sslwriteToSslwriteResumesAndCarriesData() throws Exception {
        byte[] payload = payload(21, 1 << 20);
        Server server = serve(tls12Server().build(), payload.length);
        SslWriteContext context = client().build();

        Connection first = handshake(context, server);
        assertFalse(first.handler().session().isResumed());
        Connection firstAccepted = server.accepted();
        awaitSuccess(firstAccepted.handler().handshakeFuture(), "server side of the full handshake");
        assertFalse(firstAccepted.handler().session().isResumed());

        Connection second = handshake(context, server);
        Connection secondAccepted = server.accepted();
        awaitSuccess(secondAccepted.handler().handshakeFuture(), "server side of the resumed handshake");
        assertTrue(second.handler().session().isResumed());
        assertTrue(secondAccepted.handler().session().isResumed());
        second.awaitWrites(second.send(payload));
        assertSameBytes(payload, secondAccepted.receiver().awaitDigest(), "client to server, resumed");
    }

    @Test
    void anExpiredSessionIsAFullHandshake() throws Exception {
        // One nanosecond: every session has expired by the time the next ClientHello asks for it.
        Server server = serve(tls12Server().sessionTimeout(Duration.ofNanos(1)).build(), 0);
        SslWriteContext context = client().build();
        handshake(context, server);
        Connection second = handshake(context, server);
        assertFalse(second.handler().session().isResumed(), "the server's copy expired");

        Server other = serve(tls12Server().build(), 0);
        SslWriteContext expiring = client().sessionTimeout(Duration.ofNanos(1)).build();
        handshake(expiring, other);
        assertFalse(handshake(expiring, other).handler().session().isResumed(), "the client's copy expired");
    }

    @Test
    void anEvictedSessionIsAFullHandshakeAndTheOneKeptStillResumes() throws Exception {
        Server server = serve(tls12Server().sessionCacheSize(1).build(), 0);
        SslWriteContext a = client().build();
        SslWriteContext b = client().build();
        handshake(a, server);
        handshake(b, server);                       // evicts a's session from the server's cache of one
        assertFalse(handshake(a, server).handler().session().isResumed(), "a's session was evicted");
        assertTrue(handshake(a, server).handler().session().isResumed(), "a's new session is the one kept");
    }

    @Test
    void sessionCacheSizeZeroTurnsResumptionOff() throws Exception {
        Server server = serve(tls12Server().build(), 0);
        SslWriteContext off = client().sessionCacheSize(0).build();
        handshake(off, server);
        assertFalse(handshake(off, server).handler().session().isResumed());
    }

    private Connection handshake(SslWriteContext context, Server server) throws InterruptedException {
        Connection c = connect(context, "localhost", server.port(), 0);
        awaitSuccess(c.handler().handshakeFuture(), "handshake");
        return c;
    }

    private String sClient(int port, String... extra) {
        List<String> command = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port,
                "-CAfile", TestPki.caPem().toString(), "-servername", "localhost", "-verify_return_error", "-tls1_2"));
        command.addAll(List.of(extra));
        return runToExit(command);
    }
}
