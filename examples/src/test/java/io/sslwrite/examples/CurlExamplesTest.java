package io.sslwrite.examples;

import io.sslwrite.SslWriteContext;
import io.sslwrite.testing.LeakDetectionExtension;
import io.sslwrite.testing.TestPki;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The demo {@link HttpsServer} against the real {@code curl} (OpenSSL underneath): what the README's quick
 * start promises, checked byte for byte. The server runs on a free port with the shared test CA's
 * certificate, and curl verifies it with {@code --cacert}, so every run is a fully verified TLS connection.
 * It serves no files; {@code /files/NAME} is {@link FileDownloadTest}'s.
 *
 * <p>curl is required: without it these tests fail and say how to install it, since a skipped interop test
 * looks like a passing one.
 */
@ExtendWith(LeakDetectionExtension.class)
class CurlExamplesTest {

    /** A hang guard for one curl run, not a speed requirement: a healthy run takes seconds. */
    private static final Duration CURL_HANG_GUARD = Duration.ofMinutes(3);

    private static HttpsServer server;

    @TempDir
    Path dir;

    @BeforeAll
    static void startServer() throws Exception {
        SslWriteContext context = SslWriteContext.forServer(TestPki.serverCertPem(), TestPki.serverKeyPem()).build();
        server = HttpsServer.start(0, context);
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    /**
     * curl does not trust the server's certificate and says so with an alert: the server logs one line
     * with curl's address and the alert, and nothing reaches Netty's tail handler (which would log a
     * warning with a stack trace).
     */
    @Test
    void aClientThatRefusesTheCertificateIsLoggedInOneLineWithoutAStackTrace() throws Exception {
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        java.io.PrintStream original = System.err;
        try (io.sslwrite.testing.NettyWarnings warnings = io.sslwrite.testing.NettyWarnings.collect()) {
            System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
            Curl run = Curl.run(TestPki.wrongCaPem().toPath(), dir, CURL_HANG_GUARD, server.url("/"));
            assertTrue(run.exitCode() != 0, "curl refused the certificate\n" + run.describe());
            long guard = System.nanoTime() + CURL_HANG_GUARD.toNanos();
            while (!captured.toString(java.nio.charset.StandardCharsets.UTF_8).contains("\n")
                    && System.nanoTime() < guard) {
                Thread.sleep(10); // a hang guard: the line follows curl's alert on the server's event loop
            }
            String[] lines = captured.toString(java.nio.charset.StandardCharsets.UTF_8).split("\n");
            assertEquals(1, lines.length, String.join("\n", lines));
            assertTrue(lines[0].matches("sslwrite demo: connection from /\\S+:\\d+ failed: peer sent fatal"
                    + " alert \\w+\\(\\d+\\) during handshake"), lines[0]);
            assertEquals(java.util.List.of(), warnings.messages(), "nothing reached Netty's tail");
        } finally {
            System.setErr(original);
        }
    }

    @Test
    void downloadOf64MiBOverTls13IsThePatternByteForByte() throws Exception {
        long n = 64L << 20;
        Path body = dir.resolve("body");
        Curl run = curl("--tlsv1.3", "-o", body.toString(), server.url("/bytes/" + n));

        run.assertResponse(200, "TLSv1.3");
        assertEquals(n, Files.size(body), "bytes received");
        assertEquals(patternSha256(n), sha256(body), "SHA-256 of the body");
    }

    @Test
    void downloadOverTls12IsThePatternByteForByte() throws Exception {
        long n = (16L << 20) + 12345;   // not a whole number of chunks or records: the last of each is short
        Path body = dir.resolve("body");
        Curl run = curl("--tlsv1.2", "--tls-max", "1.2", "-o", body.toString(), server.url("/bytes/" + n));

        run.assertResponse(200, "TLSv1.2");
        assertEquals(n, Files.size(body), "bytes received");
        assertEquals(patternSha256(n), sha256(body), "SHA-256 of the body");
    }

    @Test
    void emptyDownloadIsAnEmptyBody() throws Exception {
        Path body = dir.resolve("body");
        curl("-o", body.toString(), server.url("/bytes/0")).assertResponse(200, "TLSv1.3");
        assertEquals(0, Files.size(body));
    }

    @Test
    void echoOfAFewMiBWithContentLengthComesBackUnchanged() throws Exception {
        Path upload = randomFile("upload", (3 << 20) + 777);
        Path echoed = dir.resolve("echoed");
        Curl run = curl("--data-binary", "@" + upload, "-H", "Content-Type: application/octet-stream",
                "-o", echoed.toString(), server.url("/echo"));

        run.assertResponse(200, "TLSv1.3");
        assertArrayEquals(Files.readAllBytes(upload), Files.readAllBytes(echoed));
    }

    @Test
    void echoOfAChunkedUploadOverTls12ComesBackUnchanged() throws Exception {
        Path upload = randomFile("upload", (2 << 20) + 5);
        Path echoed = dir.resolve("echoed");
        Curl run = curl("--tlsv1.2", "--tls-max", "1.2", "-H", "Transfer-Encoding: chunked",
                "--data-binary", "@" + upload, "-o", echoed.toString(), server.url("/echo"));

        run.assertResponse(200, "TLSv1.2");
        assertArrayEquals(Files.readAllBytes(upload), Files.readAllBytes(echoed));
    }

    @Test
    void oneKeptAliveConnectionServesADownloadThenAnEcho() throws Exception {
        long n = 5_000_000;
        Path body = dir.resolve("body");
        Path upload = randomFile("upload", 1 << 20);
        Path echoed = dir.resolve("echoed");
        // --next starts a second request in the same curl run; curl reuses the connection if the server kept it.
        Curl run = curl("-o", body.toString(), server.url("/bytes/" + n),
                "--next", "--http1.1", "--cacert", TestPki.caPem().toString(), "-v", "-sS",
                "--data-binary", "@" + upload, "-o", echoed.toString(), server.url("/echo"));

        assertEquals(0, run.exitCode(), run.describe());
        assertTrue(run.stderr().contains("Re-using existing connection"), "second request on the same connection\n" + run.describe());
        assertEquals(patternSha256(n), sha256(body), "SHA-256 of the download");
        assertArrayEquals(Files.readAllBytes(upload), Files.readAllBytes(echoed), "echoed body");
    }

    @Test
    void homePageNamesTheRoutesAndUnknownPathsAre404() throws Exception {
        Path page = dir.resolve("page");
        curl("-o", page.toString(), server.url("/")).assertResponse(200, "TLSv1.3");
        String text = Files.readString(page);
        assertTrue(text.contains("/bytes/N") && text.contains("/echo"), text);

        curl("-o", dir.resolve("missing").toString(), server.url("/no/such/page")).assertResponse(404, "TLSv1.3");
    }

    @Test
    void filesWithoutADirectoryAre404SayingToPassFiles() throws Exception {
        Path page = dir.resolve("page");
        curl("-o", page.toString(), server.url("/files/pom.xml")).assertResponse(404, "TLSv1.3");
        assertTrue(Files.readString(page).contains("--files DIR"), Files.readString(page));

        curl("-o", page.toString(), server.url("/")).assertResponse(200, "TLSv1.3");
        assertTrue(Files.readString(page).contains("/files/NAME"), "the home page names the route");
    }

    @Test
    void serverWithoutACertificateMakesOneThatCurlVerifiesWithThePrintedCa() throws Exception {
        Path ca;
        Path page = dir.resolve("page");
        try (HttpsServer demo = HttpsServer.start(0, null)) {
            ca = demo.caCertificate();
            curlTrusting(ca, "-o", page.toString(), demo.url("/")).assertResponse(200, "TLSv1.3");
        }
        assertTrue(Files.readString(page).contains("--cacert " + ca), "the home page's curl lines name the CA file");
        assertFalse(Files.exists(ca), "the throw-away certificate is deleted when the server closes");
    }

    // ---- curl ----

    /** {@link #curlTrusting} the shared test CA, which signed the certificate of {@link #server}. */
    private Curl curl(String... args) throws Exception {
        return curlTrusting(TestPki.caPem().toPath(), args);
    }

    private Curl curlTrusting(Path ca, String... args) throws Exception {
        return Curl.run(ca, dir, CURL_HANG_GUARD, args);
    }

    // ---- bytes ----

    private Path randomFile(String name, int size) throws IOException {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);   // seeded: a failure reproduces with the same bytes
        return Files.write(dir.resolve(name), bytes);
    }

    /** SHA-256 of the first n bytes of the pattern, byte by byte from {@link BodyPattern#at}, independent of how the server makes it. */
    private static String patternSha256(long n) throws Exception {
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        byte[] block = new byte[1 << 16];
        for (long offset = 0; offset < n; offset += block.length) {
            int length = (int) Math.min(block.length, n - offset);
            for (int j = 0; j < length; j++) {
                block[j] = BodyPattern.at(offset + j);
            }
            sha256.update(block, 0, length);
        }
        return HexFormat.of().formatHex(sha256.digest());
    }

    private static String sha256(Path file) throws Exception {
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        try (var in = Files.newInputStream(file)) {
            byte[] block = new byte[1 << 16];
            for (int read; (read = in.read(block)) > 0; ) {
                sha256.update(block, 0, read);
            }
        }
        return HexFormat.of().formatHex(sha256.digest());
    }
}
