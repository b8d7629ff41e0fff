package io.sslwrite.examples;

import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import io.sslwrite.SslWriteContext;
import io.sslwrite.testing.LeakDetectionExtension;
import io.sslwrite.testing.TestPki;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * HTTP/2 by ALPN (DESIGN §3.1): the demo {@link HttpsServer} offers {@code h2} and {@code http/1.1} on one port
 * and sets up the pipeline with {@link DemoProtocolNegotiator}. Tested with the real {@code curl --http2}
 * (nghttp2 underneath) and with Netty's own HTTP/2 client over an sslwrite client, the bodies compared by
 * SHA-256; and the server's direct memory under a client that reads slowly while granting a 16 MiB window,
 * which is where HTTP/2's flow control no longer bounds anything and the TLS handler's back-pressure must.
 */
@ExtendWith(LeakDetectionExtension.class)
class Http2ExampleTest {

    /** A hang guard for one run, not a speed requirement. */
    private static final Duration HANG_GUARD = Duration.ofMinutes(3);

    private static final int MIB = 1 << 20;

    /**
     * The server's buffers, counted exactly (see {@link DirectMemorySampler}); the handler and the HTTP/2 codec
     * ask the same sizes of any allocator.
     */
    private static final UnpooledByteBufAllocator ALLOC = new UnpooledByteBufAllocator(true);

    /** Four full records of ciphertext: one encryption pass (DESIGN §4.3), as in {@code FileDownloadTest}. */
    private static final long ONE_BATCH_OF_CIPHERTEXT = 4 * (16384 + 29);

    /**
     * The bound on the server's direct memory while one HTTP/2 client reads slowly. The TLS handler holds at
     * most the channel's high water mark plus one batch of ciphertext in flight (§4.3), and its queued
     * plaintext makes the connection unwritable at the high water mark, which stops HTTP/2's flow controller
     * and, through the stream channel's writability, the route that makes the body. What else may be alive:
     * the {@code /bytes} chunks written to the stream before it saw the change (two of 64 KiB), and the read
     * path (a socket read buffer of at most 64 KiB, the request's frames). None of it depends on the response
     * size or on the 16 MiB window the client grants.
     */
    private static final long DIRECT_MEMORY_BOUND = WriteBufferWaterMark.DEFAULT.high() + ONE_BATCH_OF_CIPHERTEXT
            + 2L * BodyPattern.CHUNK_SIZE + 64 * 1024;

    @TempDir
    static Path files;

    private static HttpsServer server;

    @TempDir
    Path dir;

    @BeforeAll
    static void startServer() throws Exception {
        SslWriteContext context = SslWriteContext.forServer(TestPki.serverCertPem(), TestPki.serverKeyPem())
                .applicationProtocols("h2", "http/1.1")
                .build();
        server = HttpsServer.start(InetAddress.getLoopbackAddress(), 0, context, files, ALLOC);
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void curlHttp2GetsTheBodyByteForByteAndHttp11StillWorksOnTheSamePort() throws Exception {
        long n = (8L << 20) + 12345;
        Path body = dir.resolve("body");
        Curl h2 = curl("--http2", "-o", body.toString(), server.url("/bytes/" + n));
        h2.assertResponse(200, "TLSv1.3");
        assertTrue(h2.stderr().contains("ALPN: server accepted h2"), "ALPN chose h2\n" + h2.describe());
        assertTrue(h2.stderr().contains("< HTTP/2 200"), "the response came over HTTP/2\n" + h2.describe());
        assertEquals(n, Files.size(body));
        assertEquals(BodyPattern.sha256Hex(n), sha256(body));

        Curl h1 = curl("--http1.1", "-o", body.toString(), server.url("/bytes/1000"));
        h1.assertResponse(200, "TLSv1.3");
        assertTrue(h1.stderr().contains("ALPN: server accepted http/1.1"), "ALPN chose http/1.1\n" + h1.describe());
        assertEquals(BodyPattern.sha256Hex(1000), sha256(body));
    }

    @Test
    void curlHttp2EchoesAnUploadAndServesAFileInChunks() throws Exception {
        byte[] upload = new byte[3 * MIB + 7];
        new Random(12).nextBytes(upload);
        Path sent = dir.resolve("upload");
        Files.write(sent, upload);
        Path body = dir.resolve("body");
        Curl echo = curl("--http2", "--data-binary", "@" + sent, "-o", body.toString(), server.url("/echo"));
        echo.assertResponse(200, "TLSv1.3");
        assertTrue(echo.stderr().contains("< HTTP/2 200"), echo.describe());
        assertEquals(sha256(sent), sha256(body), "the echo is the upload");

        Path file = files.resolve("served.bin");
        Files.write(file, upload);
        Curl download = curl("--http2", "-o", body.toString(), server.url("/files/served.bin"));
        download.assertResponse(200, "TLSv1.3");
        assertEquals(sha256(file), sha256(body), "the file over HTTP/2");
    }

    /**
     * Netty's HTTP/2 client over an sslwrite client: one 16 MiB response is started first and held by the
     * client (it reads the stream only up to its first DATA frame, so the server's window for it stays full),
     * then 40 small responses on as many concurrent streams all complete while it is still in flight; then the
     * large one is read to its end. Every body is checked by SHA-256.
     */
    @Test
    void nettyHttp2ClientGetsManyConcurrentStreamsWhileALargeOneIsInFlight() throws Exception {
        SslWriteContext clientContext = SslWriteContext.forClient().trustManager(TestPki.caPem())
                .applicationProtocols("h2").build();
        try (Http2TestClient client = Http2TestClient.connect(server.port(), clientContext, 65_535 * 64, 0)) {
            assertEquals("h2", client.tls().session().applicationProtocol());
            long large = 16L * MIB;
            Http2TestClient.Response big = client.get("/bytes/" + large, false);
            big.readUntilFirstData();
            big.firstData.get(HANG_GUARD.toSeconds(), TimeUnit.SECONDS);

            List<Http2TestClient.Response> small = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                small.add(client.get("/bytes/" + (1000 + i * 7919), true));
            }
            CompletableFuture.allOf(small.stream().map(r -> r.done).toArray(CompletableFuture[]::new))
                    .get(HANG_GUARD.toSeconds(), TimeUnit.SECONDS);
            assertFalse(big.done.isDone(), "the large response is still in flight");
            for (int i = 0; i < small.size(); i++) {
                Http2TestClient.Response r = small.get(i);
                long n = 1000 + i * 7919L;
                assertEquals("200", r.status());
                assertEquals(n, r.bytes(), "stream " + i + " bytes");
                assertEquals(BodyPattern.sha256Hex(n), r.sha256(), "stream " + i + " SHA-256");
            }

            big.readAll();
            big.done.get(HANG_GUARD.toSeconds(), TimeUnit.SECONDS);
            assertEquals("200", big.status());
            assertEquals(large, big.bytes());
            assertEquals(BodyPattern.sha256Hex(large), big.sha256());
        }
    }

    /**
     * A client that grants a 16 MiB window, per stream and for the connection, and then reads its socket
     * slowly (16 KiB per millisecond at most, through a 16 KiB receive buffer) while it downloads 24 MiB. HTTP/2
     * would let the server send 16 MiB ahead; the TLS handler's writability stops it at the high water mark.
     */
    @Test
    void slowHttp2ReaderKeepsTheServersDirectMemoryBounded() throws Exception {
        SslWriteContext clientContext = SslWriteContext.forClient().trustManager(TestPki.caPem())
                .applicationProtocols("h2").build();
        long n = 24L * MIB;
        try (Http2TestClient client = Http2TestClient.connect(server.port(), clientContext, 16 * MIB, 16384);
             DirectMemorySampler sampler = new DirectMemorySampler(ALLOC, 2)) {
            long start = System.nanoTime();
            Http2TestClient.Response r = client.get("/bytes/" + n, true);
            r.done.get(HANG_GUARD.toSeconds(), TimeUnit.SECONDS);
            long millis = (System.nanoTime() - start) / 1_000_000;
            sampler.close();

            assertEquals(n, r.bytes());
            assertEquals(BodyPattern.sha256Hex(n), r.sha256());
            System.out.printf("Http2ExampleTest: slow HTTP/2 reader, 24 MiB in %.1f s; server direct memory peak %d"
                    + " bytes (bound %d) over %d samples%n", millis / 1000.0, sampler.peak(), DIRECT_MEMORY_BOUND,
                    sampler.samples());
            assertTrue(sampler.samples() > 0 && sampler.peak() > 0, "the sampler saw the server's buffers");
            assertTrue(sampler.peak() <= DIRECT_MEMORY_BOUND, "peak direct memory of the server: " + sampler.peak()
                    + " bytes, above the bound of " + DIRECT_MEMORY_BOUND);
        }
    }

    private Curl curl(String httpVersion, String... args) throws Exception {
        return Curl.run(httpVersion, TestPki.caPem().toPath(), dir, HANG_GUARD, args);
    }

    private static String sha256(Path file) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (var in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int r; (r = in.read(buf)) > 0; ) {
                digest.update(buf, 0, r);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
