package io.sslwrite.interop;

import io.sslwrite.SslWriteContext;
import io.sslwrite.testing.NamedCertificates;
import io.sslwrite.testing.TestPki;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DESIGN §3.1, certificates by SNI: a server with a default certificate (EC, localhost), an RSA one for the
 * exact name {@code api.example.test} and an EC one for {@code *.wild.example.test}. {@code openssl s_client}
 * asks with {@code -servername} (and with none), and its printout of the subject says which certificate came
 * back; sslwrite clients verify the name they dial. The RSA certificate behind an EC default also checks that
 * TLS 1.2 picks a suite for the named certificate's key.
 */
class ServerNameInteropTest extends AbstractInteropTest {

    private static final Pattern SUBJECT = Pattern.compile("subject=\\s*CN\\s*=\\s*(\\S+)");

    private static NamedCertificates.Issued api;
    private static NamedCertificates.Issued wild;

    @BeforeAll
    static void issue() {
        api = NamedCertificates.rsa("api.example.test");
        wild = NamedCertificates.ec("*.wild.example.test");
    }

    static SslWriteContext serverContext(String protocol) throws Exception {
        return SslWriteContext.forServer(TestPki.serverCertPem(), TestPki.serverKeyPem())
                .protocols(protocol)
                .serverName("api.example.test", api.chainPem(), api.keyPem())
                .serverName("*.wild.example.test", wild.chainPem(), wild.keyPem())
                .build();
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void openSslClientGetsTheCertificateOfTheNameItSendsAndTheDefaultForNoneOrAnUnknownOne(String protocol)
            throws Exception {
        opensslVersion();
        Server server = serve(serverContext(protocol), 0);
        String flag = protocol.equals("TLSv1.3") ? "-tls1_3" : "-tls1_2";

        assertPresented(server, flag, "api.example.test", "api.example.test");
        assertPresented(server, flag, "x.wild.example.test", "*.wild.example.test");
        // A wildcard covers one label only: two labels fall back to the default.
        assertPresented(server, flag, "a.b.wild.example.test", "localhost");
        assertPresented(server, flag, null, "localhost");
    }

    @Test
    void sslwriteClientsVerifyTheNamedCertificatesAndSeeTheirServerName() throws Exception {
        Server server = serve(serverContext("TLSv1.3"), 0);
        SslWriteContext client = SslWriteContext.forClient().trustManager(TestPki.caPem()).build();
        for (String[] c : new String[][] {{"api.example.test", "api.example.test"},
                                          {"v1.wild.example.test", "*.wild.example.test"},
                                          {"localhost", "localhost"}}) {
            Connection connection = connect(client, c[0], server.port(), 0);
            awaitSuccess(connection.handler().handshakeFuture(), "handshake for " + c[0]);
            Connection accepted = server.accepted();
            awaitSuccess(accepted.handler().handshakeFuture(), "server handshake for " + c[0]);
            assertEquals(c[0], connection.handler().session().serverName(), "the client's SNI");
            assertEquals(c[0], accepted.handler().session().serverName(), "the name the server saw");
            assertEquals("CN=" + c[1], connection.handler().session().peerCertificates()[0]
                    .getSubjectX500Principal().getName());
        }
    }

    private void assertPresented(Server server, String flag, String serverName, String expectedCn) {
        List<String> command = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + server.port(),
                "-CAfile", TestPki.caPem().toString(), flag));
        if (serverName == null) {
            command.add("-noservername");
        } else {
            command.addAll(List.of("-servername", serverName));
        }
        String out = runToExit(command);
        Matcher m = SUBJECT.matcher(out);
        assertTrue(m.find(), "s_client printed the server's subject:\n" + out);
        assertEquals(expectedCn, m.group(1), "certificate for " + serverName + "\n" + out);
        assertTrue(out.contains("Verify return code: 0 (ok)"), "the chain verifies against the test CA\n" + out);
        Connection accepted = server.accepted();
        try {
            awaitSuccess(accepted.handler().handshakeFuture(), "server handshake for " + serverName);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        if (serverName == null) {
            assertNull(accepted.handler().session().serverName());
        } else {
            assertEquals(serverName, accepted.handler().session().serverName());
        }
    }
}
