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
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The demo {@link HttpsServer} against the real {@code curl} (OpenSSL underneath): what the README's quick
 * start promises, checked byte for byte. The server runs on a free port with the shared test CA's
 * certificate, and curl verifies it with {@code --cacert}, so every run is a fully verified TLS connection.
 *
 * <p>curl is required: without it these tests fail and say how to install it, since a skipped interop test
 * looks like a passing one.
 */
@ExtendWith(LeakDetectionExtension.class)
class CurlExamplesTest {

    /** A hang guard for one curl run, not a speed requirement: a healthy run takes seconds. */
    private static final long CURL_TIMEOUT_MINUTES = 3;

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

        assertEquals(0, run.exitCode, run.describe());
        assertTrue(run.stderr.contains("Re-using existing connection"), "second request on the same connection\n" + run.describe());
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

    /** One finished curl run: exit code, what {@code -w} printed, and the {@code -v} trace. */
    private record Curl(List<String> command, int exitCode, String writeOut, String stderr) {

        /** curl succeeded, verified the server's certificate, got {@code status}, and negotiated {@code protocol}. */
        void assertResponse(int status, String protocol) {
            assertEquals(0, exitCode, "curl's exit code\n" + describe());
            assertEquals(status + " 0", writeOut.trim(), "HTTP status and certificate verification result\n" + describe());
            assertTrue(stderr.contains("SSL connection using " + protocol + " "), "negotiated " + protocol + "\n" + describe());
        }

        String describe() {
            return "command: " + String.join(" ", command) + "\nstdout: " + writeOut + "\nstderr:\n" + stderr;
        }
    }

    /** {@link #curlTrusting} the shared test CA, which signed the certificate of {@link #server}. */
    private Curl curl(String... args) throws Exception {
        return curlTrusting(TestPki.caPem().toPath(), args);
    }

    /**
     * Runs curl trusting {@code ca} only, over HTTP/1.1, with {@code -v} for the negotiated protocol; its
     * standard output is what {@code -w} prints: the HTTP status and the certificate verification result
     * (0 when verified).
     */
    private Curl curlTrusting(Path ca, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("curl", "--http1.1", "-sS", "-v",
                "--cacert", ca.toString(), "-w", "%{http_code} %{ssl_verify_result}\\n"));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "curl", ".out");
        Path err = Files.createTempFile(dir, "curl", ".err");
        Process process;
        try {
            process = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .start();
        } catch (IOException e) {
            fail("curl could not be started (" + e.getMessage() + "). These interop tests need the curl command"
                    + " line tool: install it (Debian/Ubuntu: apt-get install curl; macOS ships it) and run again.");
            throw new AssertionError(e);
        }
        if (!process.waitFor(CURL_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
            process.destroyForcibly().waitFor();
            fail("curl did not finish within " + CURL_TIMEOUT_MINUTES + " minutes, so the server hung: "
                    + String.join(" ", command) + "\nstderr:\n" + Files.readString(err));
        }
        return new Curl(command, process.exitValue(), Files.readString(out), Files.readString(err));
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
