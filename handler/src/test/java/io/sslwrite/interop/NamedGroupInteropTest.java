package io.sslwrite.interop;

import io.sslwrite.SslWriteContext;
import io.sslwrite.testing.BuildMode;
import io.sslwrite.testing.TestPki;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * DESIGN §1, §3: sslwrite offers the hybrid post-quantum group X25519MLKEM768 by default, and falls
 * back to x25519 with a peer that lacks it. With the {@code openssl} CLI the expectation depends on its
 * version (ML-KEM arrived in OpenSSL 3.5); the display name of each case says which was expected. The
 * FIPS build offers P-256 and P-384 only, so there every case expects secp256r1.
 */
class NamedGroupInteropTest extends AbstractInteropTest {

    /** The FIPS build offers neither: P-256 comes first there, whatever the peer (after a HelloRetryRequest if need be). */
    private static final String HYBRID = BuildMode.DEFAULT_GROUP;
    private static final String CLASSIC = BuildMode.FIPS ? "secp256r1" : "x25519";

    @Test
    void sslwriteClientAndServerNegotiateX25519MlKem768ByDefault() throws Exception {
        Server server = serve(SslWriteContext.forServer(TestPki.serverCertPem(), TestPki.serverKeyPem()).build(), 65536);
        Connection client = connect(SslWriteContext.forClient().trustManager(TestPki.caPem()).build(),
                "localhost", server.port(), 65536);
        Connection accepted = server.accepted();

        awaitSuccess(client.handler().handshakeFuture(), "client handshake");
        awaitSuccess(accepted.handler().handshakeFuture(), "server handshake");
        assertEquals("TLSv1.3", client.handler().session().protocol());
        assertEquals(HYBRID, client.handler().session().namedGroup());
        assertEquals(HYBRID, accepted.handler().session().namedGroup());

        // The hybrid key schedule must also carry data both ways.
        byte[] up = payload(9, 65536);
        byte[] down = payload(10, 65536);
        client.awaitWrites(client.send(up));
        accepted.awaitWrites(accepted.send(down));
        assertSameBytes(up, accepted.receiver().awaitDigest(), "client -> server");
        assertSameBytes(down, client.receiver().awaitDigest(), "server -> client");
    }

    /** One case, named for what the installed openssl can do. */
    static Stream<Named<String>> opensslExpectation() {
        String version = opensslVersion();
        if (BuildMode.FIPS) {
            return Stream.of(Named.of(version + ", FIPS build (P-256, P-384 only): secp256r1 is negotiated", CLASSIC));
        }
        return Stream.of(opensslHasMlKem()
                ? Named.of(version + " has X25519MLKEM768: it is negotiated", HYBRID)
                : Named.of(version + " lacks X25519MLKEM768: x25519 is negotiated instead", CLASSIC));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("opensslExpectation")
    void sslwriteClientNegotiatesTheBestGroupOpenSslServerOffers(String expectedGroup) throws Exception {
        PeerProcess server = startOpenSslServer("-tls1_3", TestPki.serverCertPem().toPath(),
                TestPki.serverKeyPem().toPath());
        Connection client = connect(SslWriteContext.forClient().trustManager(TestPki.caPem()).build(),
                "localhost", server.port, 0);

        awaitSuccess(client.handler().handshakeFuture(), "handshake with openssl s_server");

        assertEquals(expectedGroup, client.handler().session().namedGroup());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("opensslExpectation")
    void sslwriteServerNegotiatesTheBestGroupOpenSslClientOffers(String expectedGroup) throws Exception {
        Server server = serve(SslWriteContext.forServer(TestPki.serverCertPem(), TestPki.serverKeyPem()).build(), 0);
        start("openssl", "s_client", "-connect", "127.0.0.1:" + server.port(), "-CAfile", TestPki.caPem().toString(),
                "-servername", "localhost", "-verify_return_error", "-quiet", "-tls1_3");
        Connection accepted = server.accepted();

        awaitSuccess(accepted.handler().handshakeFuture(), "handshake with openssl s_client");

        assertEquals(expectedGroup, accepted.handler().session().namedGroup());
    }

    @Test
    void sslwriteClientNegotiatesX25519WithTheJdkWhichLacksMlKem() throws Exception {
        // Java 17's SunJSSE offers no ML-KEM; the hybrid group must not get in the way.
        SSLServerSocket listener = jdkServer();
        CompletableFuture<SSLSocket> accepted = acceptAndHandshake(listener);
        Connection client = connect(SslWriteContext.forClient().trustManager(TestPki.caPem()).build(),
                "localhost", listener.getLocalPort(), 0);
        await(accepted, "JDK server handshake");
        awaitSuccess(client.handler().handshakeFuture(), "handshake with the JDK server");
        assertEquals(List.of("TLSv1.3", CLASSIC),
                List.of(client.handler().session().protocol(), client.handler().session().namedGroup()));
    }
}
