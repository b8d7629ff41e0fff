package io.sslwrite.examples;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
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

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code GET /files/NAME} of the demo {@link HttpsServer} against the real {@code curl}: files go out byte for
 * byte as one {@code FileRegion} through the TLS handler, in memory bounded by DESIGN §4.3 however large the
 * file, and names that are not plain file names of the served directory are refused.
 */
@ExtendWith(LeakDetectionExtension.class)
class FileDownloadTest {

    /** A hang guard for one curl run, not a speed requirement; the 1 GiB download is the longest. */
    private static final Duration CURL_HANG_GUARD = Duration.ofMinutes(10);

    private static final long GIB = 1L << 30;
    private static final long MIB = 1L << 20;

    /**
     * Plaintext of one encryption pass (DESIGN §4.3: at most 64 KiB, four full records) as ciphertext: four
     * records of 16384 bytes, each with at most 29 bytes of framing for the suites the server offers (TLS 1.2
     * AES-GCM: 5-byte header, 8-byte explicit nonce, 16-byte tag; TLS 1.3 needs 22).
     */
    private static final long ONE_BATCH_OF_CIPHERTEXT = 4 * (16384 + 29);

    /**
     * What the server may hold in direct memory besides the handler's ciphertext: the read path, whose socket
     * read buffer Netty's adaptive sizing grows to at most 64 KiB (a few KiB here, since the server reads only
     * the request), the plaintext of the request, and the few hundred bytes of the response head. No allowance
     * for an allocator's chunk granularity is needed: the server's buffers come from an unpooled allocator, so
     * the measure is the bytes buffers hold, nothing reserved around them.
     */
    private static final long READ_PATH_ALLOWANCE = 64 * 1024;

    /**
     * The §4.3 bound on the server's direct memory: ciphertext handed to the transport stays within the
     * channel's write-buffer high water mark (the server leaves Netty's default, 64 KiB) plus one batch.
     * The file itself is never in memory beyond the record being encrypted, which is heap (bctls encrypts
     * from an array). With these defaults the peak is in fact about one batch: a pass starts only while less
     * than the high water mark is in flight, and one full pass is already more than that.
     */
    private static final long DIRECT_MEMORY_BOUND =
            WriteBufferWaterMark.DEFAULT.high() + ONE_BATCH_OF_CIPHERTEXT + READ_PATH_ALLOWANCE;

    /** How often the sampler reads the allocator's count. */
    private static final long SAMPLE_MILLIS = 10;

    /**
     * The server's buffers. The demo's channels use Netty's default allocator, adaptive in Netty 4.2, whose
     * {@code usedDirectMemory()} is the capacity of the chunks it has reserved, shared by every channel in the
     * JVM and kept after the buffers in them are released: a measure of the allocator, not of the handler. An
     * unpooled allocator's metric counts exactly the capacity of the direct buffers alive, and the handler asks
     * the same sizes of either allocator, so the test serves through one.
     */
    private static final UnpooledByteBufAllocator ALLOC = new UnpooledByteBufAllocator(true);

    @TempDir
    static Path files;

    @TempDir
    static Path outside;

    private static HttpsServer server;

    @TempDir
    Path dir;

    @BeforeAll
    static void startServer() throws Exception {
        SslWriteContext context = SslWriteContext.forServer(TestPki.serverCertPem(), TestPki.serverKeyPem()).build();
        server = HttpsServer.start(InetAddress.getLoopbackAddress(), 0, context, files, ALLOC);
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void fileOfAFewMiBIsSentByteForByteOverTls13AndTls12() throws Exception {
        Path file = randomFile(files.resolve("few-mib.bin"), (3 << 20) + 12345);   // no whole number of records
        for (String[] protocol : List.of(new String[] {"--tlsv1.3"}, new String[] {"--tlsv1.2", "--tls-max", "1.2"})) {
            Path body = dir.resolve("body");
            List<String> args = new ArrayList<>(List.of(protocol));
            args.addAll(List.of("-o", body.toString(), server.url("/files/few-mib.bin")));
            curl(args.toArray(String[]::new)).assertResponse(200, protocol[0].equals("--tlsv1.3") ? "TLSv1.3" : "TLSv1.2");
            assertArrayEquals(Files.readAllBytes(file), Files.readAllBytes(body));
        }
        assertFileClosedByServer(file);
    }

    @Test
    void emptyFileIsAnEmptyBodyAndTheConnectionServesTheNextRequest() throws Exception {
        Path empty = Files.createFile(files.resolve("empty"));
        Path body = dir.resolve("body");
        Path page = dir.resolve("page");
        Curl run = curl("-o", body.toString(), server.url("/files/empty"),
                "--next", "--http1.1", "--cacert", TestPki.caPem().toString(), "-v", "-sS",
                "-o", page.toString(), server.url("/"));

        assertEquals(0, run.exitCode(), run.describe());
        assertTrue(run.stderr().contains("Re-using existing connection"), "second request on the same connection\n" + run.describe());
        assertEquals(0, Files.size(body));
        assertTrue(Files.readString(page).contains("/files/NAME"), "the home page names the route");
        assertFileClosedByServer(empty);
    }

    @Test
    void namesThatAreNotPlainFileNamesAre400() throws Exception {
        Files.writeString(outside.resolve("secret"), "not to be served\n");
        Files.writeString(files.resolve("a..b"), "a name with two dots\n");
        // --path-as-is: curl would otherwise resolve "..", and its percent-encoded forms reach the server decoded.
        for (String path : List.of("/files/", "/files/..", "/files/%2e%2e", "/files/..%2Fsecret",
                "/files/%2E%2E%2F" + outside.getFileName() + "%2Fsecret", "/files/sub%2Fx", "/files/a%5Cb",
                "/files/a..b", "/files/x%00y", "/files/%zz")) {
            Path page = dir.resolve("page");
            curl("--path-as-is", "-o", page.toString(), server.url(path)).assertResponse(400, "TLSv1.3");
            assertFalse(Files.readString(page).contains("not to be served"), path);
        }
    }

    @Test
    void missingFilesDirectoriesAndSymbolicLinksAre404() throws Exception {
        Path secret = Files.writeString(outside.resolve("secret"), "not to be served\n");
        Files.createDirectory(files.resolve("sub"));
        Files.writeString(files.resolve("sub").resolve("inner"), "in a subdirectory\n");
        Files.createSymbolicLink(files.resolve("link-out"), secret);
        Files.writeString(files.resolve("plain"), "a plain file\n");
        Files.createSymbolicLink(files.resolve("link-in"), files.resolve("plain"));
        for (String name : List.of("no-such-file", "sub", "link-out", "link-in", ".")) {
            Path page = dir.resolve("page");
            curl("--path-as-is", "-o", page.toString(), server.url("/files/" + name)).assertResponse(404, "TLSv1.3");
            assertFalse(Files.readString(page).contains("not to be served"), name);
            assertFalse(Files.readString(page).contains(files.toString()), "a refusal does not show the server's path");
        }
        Path page = dir.resolve("page");
        curl("-o", page.toString(), server.url("/files/plain")).assertResponse(200, "TLSv1.3");
        assertEquals("a plain file\n", Files.readString(page));
    }

    @Test
    void otherMethodsThanGetAre405() throws Exception {
        Files.writeString(files.resolve("plain"), "a plain file\n");
        curl("-X", "POST", "-o", dir.resolve("page").toString(), server.url("/files/plain"))
                .assertResponse(405, "TLSv1.3");
    }

    /**
     * 1 GiB from the file system to curl, compared by SHA-256, while a sampler on the test's side reads the
     * server's direct memory every {@value #SAMPLE_MILLIS} ms. The file is sparse in the middle, with the
     * position-dependent {@link BodyPattern} in its first and last 64 MiB, so a record sent twice, out of
     * order or from the wrong offset changes the hash. The peak must stay within {@link #DIRECT_MEMORY_BOUND},
     * which does not grow with the file; the handler's write would need 1 GiB if it read the region eagerly.
     */
    @Test
    void oneGibFileGoesToCurlWholeInDirectMemoryBoundedByTheHighWaterMarkPlusOneBatch() throws Exception {
        Path file = files.resolve("one-gib.bin");
        makeSparsePatternFile(file, GIB, 64 * MIB);
        String expected = sha256(file);
        Path body = dir.resolve("body");
        try (DirectMemorySampler sampler = new DirectMemorySampler(ALLOC, SAMPLE_MILLIS)) {
            long start = System.nanoTime();
            // curl reads at most 100 MB/s, below what the server encrypts on most machines, so the socket fills
            // and the handler spends the download back-pressured, pausing and resuming its reads of the file:
            // the case the bound is about. Where the server is slower, the bound holds all the same.
            Curl run = curl("--limit-rate", "100M", "-o", body.toString(), server.url("/files/one-gib.bin"));
            long millis = (System.nanoTime() - start) / 1_000_000;
            sampler.close();

            run.assertResponse(200, "TLSv1.3");
            assertEquals(GIB, Files.size(body), "bytes received");
            assertEquals(expected, sha256(body), "SHA-256 of the download");
            System.out.printf("FileDownloadTest: 1 GiB in %.1f s (%.0f MiB/s); server direct memory peak %d bytes"
                            + " (bound %d) over %d samples%n",
                    millis / 1000.0, GIB / (double) MIB / (millis / 1000.0), sampler.peak(), DIRECT_MEMORY_BOUND,
                    sampler.samples());
            assertTrue(sampler.samples() > 0 && sampler.peak() > 0, "the sampler saw the server's buffers");
            assertTrue(sampler.peak() <= DIRECT_MEMORY_BOUND, "peak direct memory of the server: " + sampler.peak()
                    + " bytes, above the bound of " + DIRECT_MEMORY_BOUND + " (high water mark "
                    + WriteBufferWaterMark.DEFAULT.high() + " + one batch " + ONE_BATCH_OF_CIPHERTEXT
                    + " + read path " + READ_PATH_ALLOWANCE + ")");
            assertFileClosedByServer(file);
        } finally {
            Files.deleteIfExists(body);
            Files.deleteIfExists(file);
        }
    }

    // ---- the region is released ----

    /**
     * The server closed the file: the region that owned its channel was released. Checked through the
     * process's open descriptors where the system lists them ({@code /proc/self/fd}); the release follows
     * the last write's completion on the event loop, a moment after curl has the last byte, so this waits a
     * little.
     */
    private static void assertFileClosedByServer(Path file) throws Exception {
        Path fds = Path.of("/proc/self/fd");
        if (!Files.isDirectory(fds)) {
            return;
        }
        Path real = file.toRealPath();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (opens(fds, real)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the server still has " + real + " open: its FileRegion was not released");
            }
            Thread.sleep(20);
        }
    }

    private static boolean opens(Path fds, Path file) throws IOException {
        try (Stream<Path> entries = Files.list(fds)) {
            return entries.anyMatch(fd -> {
                try {
                    return Files.readSymbolicLink(fd).equals(file);
                } catch (IOException | UnsupportedOperationException e) {
                    return false;   // closed since it was listed
                }
            });
        }
    }

    // ---- files ----

    /**
     * A file of {@code size} bytes holding {@link BodyPattern} at its own offsets in the first and the last
     * {@code patterned} bytes and a hole (zeros, no disk) between them.
     */
    private static void makeSparsePatternFile(Path file, long size, long patterned) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(size);
        }
        ByteBuf chunk = Unpooled.buffer(BodyPattern.CHUNK_SIZE);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            for (long[] range : new long[][] {{0, patterned}, {size - patterned, size}}) {
                for (long offset = range[0]; offset < range[1]; offset += BodyPattern.CHUNK_SIZE) {
                    chunk.clear();
                    BodyPattern.write(chunk, offset, (int) Math.min(BodyPattern.CHUNK_SIZE, range[1] - offset));
                    chunk.readBytes(channel, offset, chunk.readableBytes());
                }
            }
        } finally {
            chunk.release();
        }
    }

    private static Path randomFile(Path file, int size) throws IOException {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);   // seeded: a failure reproduces with the same bytes
        return Files.write(file, bytes);
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

    // ---- curl ----

    private Curl curl(String... args) throws Exception {
        return Curl.run(TestPki.caPem().toPath(), dir, CURL_HANG_GUARD, args);
    }
}
