package io.sslwrite.interop;

import io.sslwrite.SslWriteContext;
import io.sslwrite.SslWriteOption;
import io.sslwrite.SslWriteStats;
import io.sslwrite.SslWriteStats.Cause;
import io.sslwrite.testing.BuildMode;
import io.sslwrite.testing.TestPki;
import io.sslwrite.testing.Waits;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DESIGN §3.2, {@code context.stats()} against real peers: a client that does not trust our certificate
 * (openssl s_client, the JDK's SSLSocket) is a failure counted by the alert it sent; a client that says
 * nothing is a timeout; an openssl client that resumes is a resumed handshake; a known transfer is counted
 * to the byte, encrypted on one side and decrypted on the other.
 *
 * <p>Counts are read after a future that the event loop completed after counting (the handshake's, a write's,
 * the receiver's), or, for what the test cannot see end, awaited with a hang guard.
 */
class StatsInteropTest extends AbstractInteropTest {

    private static SslWriteContext.Builder server() {
        return SslWriteContext.forServer(TestPki.serverCertPem(), TestPki.serverKeyPem());
    }

    @Test
    void anOpenSslClientTrustingAnotherCaIsCountedByTheAlertItSent() throws Exception {
        SslWriteContext context = server().build();
        Server server = serve(context, 0);
        for (String version : List.of("-tls1_3", "-tls1_2")) {
            String out = sClient(server.port(), TestPki.wrongCaPem().toPath(), version);
            assertTrue(out.contains("verify error"), "s_client refused our certificate\n" + out);
            Connection refused = server.accepted();
            assertFailed(refused.handler().handshakeFuture(), "handshake with a client trusting another CA");
        }
        SslWriteStats stats = context.stats();
        // OpenSSL answers "unable to get local issuer certificate" with unknown_ca (RFC 8446 §6.2).
        assertEquals(Map.of("unknown_ca", 2L), stats.failuresByAlert(), stats.toString());
        assertEquals(Map.of(Cause.ALERT_RECEIVED, 2L), stats.failuresByCause(), stats.toString());
        assertEquals(2, stats.handshakesFailed());
        assertEquals(2, stats.handshakesStarted());
        assertEquals(0, stats.handshakesCompleted());
        assertEquals(0, stats.connectionsOpen());
    }

    @Test
    void aJdkClientTrustingAnotherCaIsCountedByTheAlertItSent() throws Exception {
        SslWriteContext context = server().build();
        Server server = serve(context, 0);
        SSLContext jdk = SSLContext.getInstance("TLS");
        jdk.init(null, jdkTrusting(TestPki.wrongCaCertificate()).getTrustManagers(), null);
        try (SSLSocket socket = (SSLSocket) jdk.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(),
                server.port())) {
            assertThrows(SSLHandshakeException.class, socket::startHandshake);
        }
        assertFailed(server.accepted().handler().handshakeFuture(),
                "handshake with a JDK client trusting another CA");
        SslWriteStats stats = context.stats();
        // The JDK's X509TrustManager failure becomes certificate_unknown (its Alert.CERTIFICATE_UNKNOWN).
        assertEquals(Map.of("certificate_unknown", 1L), stats.failuresByAlert(), stats.toString());
        assertEquals(Map.of(Cause.ALERT_RECEIVED, 1L), stats.failuresByCause(), stats.toString());
    }

    @Test
    void anSslwriteClientTrustingAnotherCaCountsTheAlertItSentAndTheServerTheOneItReceived() throws Exception {
        SslWriteContext serverContext = server().build();
        Server server = serve(serverContext, 0);
        SslWriteContext client = SslWriteContext.forClient().trustManager(TestPki.wrongCaPem()).build();
        Connection c = connect(client, "localhost", server.port(), 0);
        assertFailed(c.handler().handshakeFuture(), "client handshake");
        assertFailed(server.accepted().handler().handshakeFuture(), "server handshake");
        SslWriteStats clientStats = client.stats();
        assertEquals(Map.of(Cause.ALERT_SENT, 1L), clientStats.failuresByCause(), clientStats.toString());
        SslWriteStats serverStats = serverContext.stats();
        assertEquals(Map.of(Cause.ALERT_RECEIVED, 1L), serverStats.failuresByCause(), serverStats.toString());
        assertEquals(clientStats.failuresByAlert(), serverStats.failuresByAlert(),
                "the one alert, seen from both sides");
        assertEquals(1, serverStats.failuresByAlert().size(), serverStats.toString());
    }

    @Test
    void aClientThatSaysNothingIsCountedAsATimeout() throws Exception {
        SslWriteContext context = server().option(SslWriteOption.HANDSHAKE_TIMEOUT_MILLIS, 200L).build();
        Server server = serve(context, 0);
        try (Socket silent = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            assertFailed(server.accepted().handler().handshakeFuture(), "handshake with a silent client");
            InputStream in = silent.getInputStream();
            assertEquals(-1, readToEnd(in), "the server closed the connection");
        }
        SslWriteStats stats = context.stats();
        assertEquals(Map.of(Cause.TIMEOUT, 1L), stats.failuresByCause(), stats.toString());
        assertEquals(Map.of(), stats.failuresByAlert());
    }

    @Test
    void aClientThatClosesDuringTheHandshakeIsCountedAsPeerClosed() throws Exception {
        SslWriteContext context = server().build();
        Server server = serve(context, 0);
        try (Socket leaving = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            // The first bytes of a ClientHello record (handshake, TLS 1.0 record version, 80 bytes), then EOF.
            leaving.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x00, 0x50, 0x01, 0x00});
            leaving.getOutputStream().flush();
        }
        assertFailed(server.accepted().handler().handshakeFuture(), "handshake with a client that left");
        SslWriteStats stats = context.stats();
        assertEquals(Map.of(Cause.PEER_CLOSED, 1L), stats.failuresByCause(), stats.toString());
        assertEquals(0, stats.connectionsWithoutTls(), stats.toString());
    }

    @Test
    void aConnectionClosedBeforeItsFirstByteIsCountedApartFromHandshakes() throws Exception {
        SslWriteContext context = server().build();
        Server server = serve(context, 0);
        new Socket(InetAddress.getLoopbackAddress(), server.port()).close(); // a load balancer's health check
        assertFailed(server.accepted().handler().handshakeFuture(), "handshake with a health check");
        SslWriteStats stats = context.stats();
        assertEquals(1, stats.connectionsWithoutTls(), stats.toString());
        assertEquals(0, stats.handshakesStarted(), stats.toString());
        assertEquals(0, stats.handshakesFailed(), stats.toString());
        assertEquals(0, stats.connectionsOpen(), stats.toString());
    }

    @Test
    void anOpenSslClientThatResumesIsCountedAsResumed() throws Exception {
        SslWriteContext context = server().protocols("TLSv1.2").build();
        Server server = serve(context, 0);
        Path session = Path.of(System.getProperty("java.io.tmpdir"))
                .resolve("sslwrite-stats-sess-" + server.port() + ".pem");
        session.toFile().deleteOnExit();

        String first = sClient(server.port(), TestPki.caPem().toPath(), "-tls1_2", "-sess_out", session.toString());
        assertTrue(first.contains("New, TLSv1.2"), first);
        awaitSuccess(server.accepted().handler().handshakeFuture(), "full handshake");
        String second = sClient(server.port(), TestPki.caPem().toPath(), "-tls1_2", "-sess_in", session.toString());
        assertTrue(second.contains("Reused, TLSv1.2"), second);
        Connection resumed = server.accepted();
        awaitSuccess(resumed.handler().handshakeFuture(), "resumed handshake");

        SslWriteStats stats = context.stats();
        assertEquals(2, stats.handshakesCompleted(), stats.toString());
        assertEquals(1, stats.handshakesResumed(), stats.toString());
        assertEquals(Map.of("TLSv1.2", 2L), stats.protocols());
        String suite = resumed.handler().session().cipherSuite();
        assertEquals(Map.of(suite, 2L), stats.cipherSuites());
        // The full handshake's group; the resumed one agreed on none.
        assertEquals(1, stats.namedGroups().values().stream().mapToLong(Long::longValue).sum(), stats.toString());
        assertEquals(0, stats.handshakesFailed());
    }

    @Test
    void theBytesOfAKnownTransferAreCountedExactlyOnBothSides() throws Exception {
        byte[] up = payload(31, 3_000_001);
        byte[] down = payload(32, 1_234_567);
        SslWriteContext serverContext = server().build();
        Server server = serve(serverContext, up.length);
        SslWriteContext clientContext = SslWriteContext.forClient().trustManager(TestPki.caPem()).build();
        Connection client = connect(clientContext, "localhost", server.port(), down.length);
        awaitSuccess(client.handler().handshakeFuture(), "handshake");
        Connection accepted = server.accepted();
        awaitSuccess(accepted.handler().handshakeFuture(), "server handshake");

        SslWriteStats open = serverContext.stats();
        assertEquals(1, open.connectionsOpen());
        assertEquals(1, clientContext.stats().connectionsOpen());
        assertEquals(Map.of(BuildMode.DEFAULT_GROUP, 1L), open.namedGroups(), open.toString());
        assertEquals(Map.of("TLSv1.3", 1L), open.protocols());

        client.awaitWrites(client.send(up));
        accepted.awaitWrites(accepted.send(down));
        assertSameBytes(up, accepted.receiver().awaitDigest(), "client to server");
        assertSameBytes(down, client.receiver().awaitDigest(), "server to client");

        SslWriteStats c = clientContext.stats();
        SslWriteStats s = serverContext.stats();
        assertEquals(up.length, c.bytesEncrypted());
        assertEquals(up.length, s.bytesDecrypted());
        assertEquals(down.length, s.bytesEncrypted());
        assertEquals(down.length, c.bytesDecrypted());
        assertEquals(0, s.plaintextQueued());

        client.channel().close().sync();
        Waits.awaitTrue(() -> serverContext.stats().connectionsOpen() == 0, "the server's connection ended");
        assertEquals(0, clientContext.stats().connectionsOpen());
        assertEquals(0, serverContext.stats().handshakesFailed());
    }

    private static int readToEnd(InputStream in) throws IOException {
        int b;
        while ((b = in.read()) >= 0) {
            // The server writes nothing to a client that sent nothing; drop whatever comes.
        }
        return b;
    }

    private String sClient(int port, Path caFile, String... extra) {
        List<String> command = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port,
                "-CAfile", caFile.toString(), "-servername", "localhost", "-verify_return_error"));
        command.addAll(List.of(extra));
        return runToExit(command);
    }
}
