package io.sslwrite.interop;

import io.netty.handler.ssl.ClientAuth;
import io.sslwrite.SslWriteContext;
import io.sslwrite.interop.OpenSslServerInteropTest.ServerKey;
import io.sslwrite.testing.BuildMode;
import io.sslwrite.testing.TestPki;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * DESIGN §6: the handshake's asymmetric crypto (X25519, ECDH on P-256 and P-384, ECDSA signatures made
 * and checked) against OpenSSL, in both roles, with mutual authentication so that each side signs and
 * each side verifies: sslwrite's ECDSA client and server signatures must satisfy {@code openssl}, and
 * openssl's ECDSA and RSA-PSS signatures must satisfy sslwrite. A wrong shared secret fails the Finished
 * check (RFC 8446 §4.4.4), a bad signature the CertificateVerify (§4.4.3).
 */
class HandshakeCryptoInteropTest extends AbstractInteropTest {

    /** X25519 is not FIPS-approved: the FIPS build runs the same cases on P-521 in its place. */
    private static final String MONTGOMERY_OR_P521 = BuildMode.FIPS ? "secp521r1" : "x25519";

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("TLSv1.3", "-tls1_3", MONTGOMERY_OR_P521, ServerKey.EC),
                Arguments.of("TLSv1.3", "-tls1_3", "secp256r1", ServerKey.EC),
                Arguments.of("TLSv1.3", "-tls1_3", "secp384r1", ServerKey.RSA),
                Arguments.of("TLSv1.2", "-tls1_2", "secp256r1", ServerKey.EC),
                Arguments.of("TLSv1.2", "-tls1_2", MONTGOMERY_OR_P521, ServerKey.RSA));
    }

    /**
     * The groups both sides offer: the one under test first, plus, for TLS 1.2, the curve of the EC
     * certificates, which OpenSSL requires in both sides' lists before it accepts an ECDSA signature
     * made with it ("wrong curve"; RFC 8422 §5.1.1 ties ECDSA certificates to the supported groups).
     */
    private static String[] groups(String protocol, String group) {
        return protocol.equals("TLSv1.2") && !group.equals("secp256r1")
                ? new String[] {group, "secp256r1"} : new String[] {group};
    }

    @ParameterizedTest(name = "{0} {2}, {3} server key, EC client key")
    @MethodSource("cases")
    void sslwriteClientWithCertificateHandshakesWithOpenSslServer(String protocol, String flag, String group,
                                                                 ServerKey serverKey) throws Exception {
        PeerProcess server = startOpenSslServer(flag, serverKey.cert, serverKey.key,
                "-groups", String.join(":", groups(protocol, group)),
                "-Verify", "1", "-CAfile", TestPki.caPem().toString());
        SslWriteContext context = SslWriteContext.forClient().trustManager(TestPki.caPem())
                .keyManager(TestPki.clientCertPem(), TestPki.clientKeyPem())
                .protocols(protocol).namedGroups(groups(protocol, group)).build();
        Connection client = connect(context, "localhost", server.port, 0);

        awaitSuccess(client.handler().handshakeFuture(), "handshake with " + server.command);
        assertEquals(List.of(protocol, group),
                List.of(client.handler().session().protocol(), client.handler().session().namedGroup()));
    }

    @ParameterizedTest(name = "{0} {2}, {3} server key, EC client key")
    @MethodSource("cases")
    void sslwriteServerRequiringACertificateHandshakesWithOpenSslClient(String protocol, String flag,
                                                                       String group, ServerKey serverKey)
            throws Exception {
        SslWriteContext context = SslWriteContext.forServer(serverKey.cert, serverKey.key)
                .clientAuth(ClientAuth.REQUIRE).trustManager(TestPki.caPem())
                .protocols(protocol).namedGroups(groups(protocol, group)).build();
        Server server = serve(context, 0);
        start("openssl", "s_client", "-connect", "127.0.0.1:" + server.port(), "-CAfile", TestPki.caPem().toString(),
                "-servername", "localhost", "-verify_return_error", "-quiet", flag,
                "-groups", String.join(":", groups(protocol, group)),
                "-cert", TestPki.clientCertPem().toString(), "-key", TestPki.clientKeyPem().toString());
        Connection accepted = server.accepted();

        awaitSuccess(accepted.handler().handshakeFuture(), "handshake with openssl s_client");
        assertEquals(List.of(protocol, group),
                List.of(accepted.handler().session().protocol(), accepted.handler().session().namedGroup()));
        assertEquals("CN=sslwrite test client",
                accepted.handler().session().peerCertificates()[0].getSubjectX500Principal().getName());
    }
}
