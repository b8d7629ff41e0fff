package io.sslwrite.examples;

import io.sslwrite.SslWriteContext;
import io.sslwrite.testing.LeakDetectionExtension;
import io.sslwrite.testing.NamedCertificates;
import io.sslwrite.testing.TestPki;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Certificates by SNI (DESIGN §3.1) seen by the real {@code curl}: the demo server has the default certificate
 * for localhost and 127.0.0.1 and two named ones; curl reaches the two names with {@code --resolve} and the
 * server by its IP address (no SNI), verifies each certificate against the name it dialled and prints the
 * subject of the one it got.
 */
@ExtendWith(LeakDetectionExtension.class)
class ServerNameCurlTest {

    private static final Duration HANG_GUARD = Duration.ofMinutes(1);

    private static HttpsServer server;

    @TempDir
    Path dir;

    @BeforeAll
    static void startServer() throws Exception {
        NamedCertificates.Issued api = NamedCertificates.ec("api.example.test");
        NamedCertificates.Issued wild = NamedCertificates.rsa("*.wild.example.test");
        SslWriteContext context = SslWriteContext.forServer(TestPki.serverCertPem(), TestPki.serverKeyPem())
                .serverName("api.example.test", api.chainPem(), api.keyPem())
                .serverName("*.wild.example.test", wild.chainPem(), wild.keyPem())
                .build();
        server = HttpsServer.start(0, context);
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void curlGetsTheCertificateOfEachNameAndTheDefaultForAnIpAddress() throws Exception {
        assertCertificate("api.example.test", "CN=api.example.test");
        assertCertificate("files.wild.example.test", "CN=*.wild.example.test");
        assertCertificate("127.0.0.1", "CN=localhost");
    }

    private void assertCertificate(String host, String expectedSubject) throws Exception {
        int port = server.port();
        Curl run = Curl.run(TestPki.caPem().toPath(), dir, HANG_GUARD, "-o", "/dev/null",
                "--resolve", host + ":" + port + ":127.0.0.1", "https://" + host + ":" + port + "/");
        run.assertResponse(200, "TLSv1.3");   // also: curl verified the certificate for the name it dialled
        assertTrue(run.stderr().contains("subject: " + expectedSubject), "certificate for " + host + "\n"
                + run.describe());
    }
}
