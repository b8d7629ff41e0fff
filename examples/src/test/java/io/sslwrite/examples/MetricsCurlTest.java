package io.sslwrite.examples;

import io.sslwrite.SslWriteContext;
import io.sslwrite.testing.LeakDetectionExtension;
import io.sslwrite.testing.TestPki;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The demo's {@code GET /metrics} read by the real {@code curl}, as the README shows it: the handshake
 * counters move with each curl run, a client that does not trust the server shows as a failure by cause and
 * then by alert, and the body is the Prometheus text format.
 */
@ExtendWith(LeakDetectionExtension.class)
class MetricsCurlTest {

    private static final Duration CURL_HANG_GUARD = Duration.ofMinutes(3);

    private HttpsServer server;

    @TempDir
    Path dir;

    @BeforeEach
    void startServer() throws Exception {
        SslWriteContext context = SslWriteContext.forServer(TestPki.serverCertPem(), TestPki.serverKeyPem()).build();
        server = HttpsServer.start(0, context);
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    @Test
    void theHandshakeCountersMoveWithEachCurlRun() throws Exception {
        String first = scrape();
        double completed = value(first, "sslwrite_handshakes_completed_total{context=\"https\"}");
        assertEquals(1, completed, "the scrape's own handshake\n" + first);

        Curl download = Curl.run(TestPki.caPem().toPath(), dir, CURL_HANG_GUARD, "-o",
                dir.resolve("body").toString(), server.url("/bytes/100000"));
        download.assertResponse(200, "TLSv1.3");

        String second = scrape();
        assertEquals(completed + 2, value(second, "sslwrite_handshakes_completed_total{context=\"https\"}"),
                "the download's handshake and this scrape's\n" + second);
        assertEquals(3, value(second, "sslwrite_handshakes_protocol_total{context=\"https\",protocol=\"TLSv1.3\"}"));
        assertTrue(value(second, "sslwrite_encrypted_bytes_total{context=\"https\"}") > 100_000, second);
        assertEquals(0, value(second, "sslwrite_handshakes_failed_total{cause=\"alert_received\",context=\"https\"}"));
    }

    @Test
    void aClientThatDoesNotTrustTheServerShowsAsAFailureByCauseAndByAlert() throws Exception {
        Curl refused = Curl.run(TestPki.wrongCaPem().toPath(), dir, CURL_HANG_GUARD, server.url("/"));
        assertNotEquals(0, refused.exitCode(), "curl refused the certificate\n" + refused.describe());

        String metrics = scrape();
        assertEquals(1, value(metrics, "sslwrite_handshakes_failed_total{cause=\"alert_received\",context=\"https\"}"),
                metrics);
        // An alert name is registered when a scrape first sees it, and reported from the next scrape on.
        String next = scrape();
        assertEquals(1, value(next, "sslwrite_handshakes_failed_alert_total{alert=\"unknown_ca\",context=\"https\"}"),
                next);
    }

    /** {@code curl /metrics}: checks the status and the Prometheus text format's media type; returns the body. */
    private String scrape() throws Exception {
        Path body = Files.createTempFile(dir, "metrics", ".txt");
        Curl run = Curl.run(TestPki.caPem().toPath(), dir, CURL_HANG_GUARD, "-o", body.toString(),
                server.url("/metrics"));
        run.assertResponse(200, "TLSv1.3");
        assertTrue(run.stderr().toLowerCase().contains("content-type: text/plain; version=0.0.4"), run.describe());
        return Files.readString(body);
    }

    /** The value of the sample whose name and labels are exactly {@code series}, as Prometheus prints them. */
    private static double value(String metrics, String series) {
        return Arrays.stream(metrics.split("\n"))
                .filter(line -> line.startsWith(series + " "))
                .mapToDouble(line -> Double.parseDouble(line.substring(series.length() + 1).trim()))
                .findFirst()
                .orElseGet(() -> fail("no sample " + series + " in\n" + metrics));
    }
}
