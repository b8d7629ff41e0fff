package io.sslwrite.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.DefaultFileRegion;
import io.netty.handler.stream.ChunkedNioFile;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.util.ReferenceCountUtil;

import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Serving a 1 GiB file over TLS on 127.0.0.1 (DESIGN §4.9): {@code SSLWRITE} writes the file as one
 * {@link DefaultFileRegion}, which {@code SslWriteHandler} reads lazily, record by record; Netty's
 * {@code SslHandler} rejects {@code FileRegion}, so the other contestants serve the same file the
 * way their users must, through {@link ChunkedWriteHandler} and a {@link ChunkedNioFile} of 16 KiB
 * chunks (one full record each). The client reads as fast as it can (autoRead on), counts and
 * discards.
 *
 * <p>The file is made in a temporary directory at start and deleted at the end: sparse, with a 4 KiB
 * block of a position-dependent pattern at the start of every 64 KiB, so it costs 64 MiB of disk and
 * a misplaced block changes its SHA-256. The first transfer is a warm-up whose received bytes are
 * hashed and compared with the file's digest; then {@link #MEASURED} transfers ({@link #MEASURED_QUICK} with {@code --quick}), each on a fresh
 * connection, are timed from the server's write to the client's last byte.
 *
 * <p>Direct memory is counted on the server only, whose channels allocate from an
 * {@code UnpooledByteBufAllocator(true)} of their own: its {@code metric().usedDirectMemory()} is the
 * sum of the direct buffers alive at that moment (no chunks, no caches), so its peak is what the
 * serving side held at most. The JDK's direct buffer pool, sampled too, is process-wide: it holds the
 * temporary buffers the JDK uses when it copies file bytes into a channel that is not a socket.
 *
 * <p>One contestant per JVM: {@code main(contestant)} prints one {@code FILES key=value ...} line,
 * which {@link RunAll} reads.
 */
public final class FileServeBenchmark {

    static final long FILE_SIZE = 1L << 30;
    static final int CHUNK_SIZE = 16 * 1024;
    static final int MEASURED = 3;
    /** With {@code --quick}: one timed transfer after the warm-up. */
    static final int MEASURED_QUICK = 1;
    static final String RESULT_PREFIX = "FILES ";
    private static final int STRIDE = 64 * 1024;
    private static final int PATTERN_BYTES = 4096;
    private static final long TIMEOUT_SECONDS = 300;
    private static final double MIB = 1024.0 * 1024.0;

    private FileServeBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args.length > 2 || (args.length == 2 && !args[1].equals("--quick"))) {
            System.err.println("usage: FileServeBenchmark " + Arrays.toString(Contestant.values()) + " [--quick]");
            System.exit(2);
        }
        Map<String, Object> result = run(Contestant.valueOf(args[0]), args.length == 2 ? MEASURED_QUICK : MEASURED);
        StringBuilder line = new StringBuilder(RESULT_PREFIX);
        result.forEach((k, v) -> line.append(k).append('=').append(v).append(' '));
        System.out.println(line.toString().trim());
        System.exit(0);
    }

    static Map<String, Object> run(Contestant contestant, int measured) throws Exception {
        Tls tls = Tls.create(contestant, Tls.GROUP);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("contestant", contestant);
        Path dir = Files.createTempDirectory("sslwrite-files-");
        Path file = dir.resolve("served.bin");
        try {
            byte[] expectedDigest = createFile(file);
            UnpooledByteBufAllocator serverAlloc = new UnpooledByteBufAllocator(true);
            List<Double> mibPerSecond = new ArrayList<>();
            long peakServerDirect = 0;
            long peakJdkDirect = 0;
            try (Loopback.Loops loops = new Loopback.Loops()) {
                for (int i = 0; i <= measured; i++) {
                    boolean warmUp = i == 0;
                    Transfer t = transfer(loops, tls, serverAlloc, file, warmUp);
                    if (warmUp) {
                        boolean same = MessageDigest.isEqual(expectedDigest, t.digest);
                        result.put("sha256", same ? "ok" : "MISMATCH");
                        if (!same) {
                            throw new IllegalStateException(contestant + ": received bytes differ from the file: SHA-256 "
                                    + HexFormat.of().formatHex(t.digest) + ", file " + HexFormat.of().formatHex(expectedDigest));
                        }
                    } else {
                        mibPerSecond.add(FILE_SIZE / MIB / (t.nanos / 1e9));
                        peakServerDirect = Math.max(peakServerDirect, t.peakServerDirect);
                        peakJdkDirect = Math.max(peakJdkDirect, t.peakJdkDirect);
                    }
                }
            }
            List<Double> sorted = new ArrayList<>(mibPerSecond);
            sorted.sort(null);
            result.put("medianMiBPerSecond", String.format(Locale.ROOT, "%.0f", sorted.get(sorted.size() / 2)));
            result.put("minMiBPerSecond", String.format(Locale.ROOT, "%.0f", sorted.get(0)));
            result.put("maxMiBPerSecond", String.format(Locale.ROOT, "%.0f", sorted.get(sorted.size() - 1)));
            result.put("peakServerDirectBytes", peakServerDirect);
            result.put("peakJdkDirectBytes", peakJdkDirect);
            result.put("serverDirectAfterBytes", serverAlloc.metric().usedDirectMemory());
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        }
        return result;
    }

    private static final class Transfer {
        long nanos;
        byte[] digest;
        long peakServerDirect;
        long peakJdkDirect;
    }

    /** One fresh connection, one whole file from server to client. */
    private static Transfer transfer(Loopback.Loops loops, Tls tls, UnpooledByteBufAllocator serverAlloc, Path file,
                                     boolean hash) throws Exception {
        boolean region = tls.contestant == Contestant.SSLWRITE;
        FileClient client = new FileClient(hash ? MessageDigest.getInstance("SHA-256") : null);
        ChannelHandler serverApp = region ? new ChannelInboundHandlerAdapter() : new ChunkedWriteHandler();
        // The client side reads from the usual pooled allocator; only the serving side is measured.
        Map<ChannelOption<?>, Object> clientOptions = Map.of(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT);
        Loopback conn = Loopback.open(loops, tls, serverAlloc,
                new Loopback.Side(null, serverApp, Map.of()),
                new Loopback.Side(null, client, clientOptions));
        Transfer t = new Transfer();
        try {
            CompletableFuture<Long> done = new CompletableFuture<>();
            conn.client.eventLoop().submit(() -> client.expect(FILE_SIZE, done)).sync();
            conn.client.closeFuture().addListener(f -> done.completeExceptionally(
                    new IllegalStateException(tls.contestant + ": connection closed during the transfer")));
            Sampler sampler = new Sampler(serverAlloc);
            CompletableFuture<ChannelFuture> written = new CompletableFuture<>();
            long start = System.nanoTime();
            conn.server.eventLoop().execute(() -> {
                try {
                    Object msg = region
                            ? new DefaultFileRegion(file.toFile(), 0, FILE_SIZE)
                            : new ChunkedNioFile(FileChannel.open(file, StandardOpenOption.READ), 0, FILE_SIZE, CHUNK_SIZE);
                    written.complete(conn.server.writeAndFlush(msg));
                } catch (IOException e) {
                    written.completeExceptionally(e);
                }
            });
            long end = done.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            sampler.close();
            ChannelFuture write = written.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            if (!write.await(TIMEOUT_SECONDS, TimeUnit.SECONDS) || !write.isSuccess()) {
                throw new IllegalStateException(tls.contestant + ": the file write did not succeed: " + write.cause(),
                        write.cause());
            }
            t.nanos = end - start;
            t.digest = client.digest();
            t.peakServerDirect = sampler.peakServerDirect;
            t.peakJdkDirect = sampler.peakJdkDirect;
        } finally {
            conn.close();
        }
        return t;
    }

    /**
     * Makes the served file: sparse, a {@link #PATTERN_BYTES} block at the start of every
     * {@link #STRIDE}, and returns its SHA-256, computed from the same pattern rather than read back.
     */
    static byte[] createFile(Path file) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        byte[] block = new byte[PATTERN_BYTES];
        byte[] zeros = new byte[STRIDE - PATTERN_BYTES];
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (long off = 0; off < FILE_SIZE; off += STRIDE) {
                pattern(off / STRIDE, block);
                ByteBuffer b = ByteBuffer.wrap(block);
                while (b.hasRemaining()) {
                    ch.write(b, off + b.position());
                }
                sha.update(block);
                sha.update(zeros);
            }
            // The holes between blocks, and after the last one, read as zeros.
            if (ch.size() < FILE_SIZE) {
                ch.write(ByteBuffer.wrap(new byte[1]), FILE_SIZE - 1);
            }
        }
        if (Files.size(file) != FILE_SIZE) {
            throw new IllegalStateException("made a file of " + Files.size(file) + " bytes, not " + FILE_SIZE);
        }
        return sha.digest();
    }

    /** The block at stride {@code index}: a byte sequence that differs from one index to the next. */
    private static void pattern(long index, byte[] block) {
        long x = index * 0x9E3779B97F4A7C15L + 1;
        for (int i = 0; i < block.length; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            block[i] = (byte) x;
        }
    }

    /** The reading application: counts and drops plaintext, hashes it if asked, notes when the last byte came. */
    private static final class FileClient extends ChannelInboundHandlerAdapter {
        private final MessageDigest sha;
        private long received;
        private long target = Long.MAX_VALUE;
        private CompletableFuture<Long> reached;

        FileClient(MessageDigest sha) {
            this.sha = sha;
        }

        /** On the client's event loop: complete {@code future} with the time the total reaches {@code total}. */
        void expect(long total, CompletableFuture<Long> future) {
            target = total;
            reached = future;
            check();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof ByteBuf) {
                    ByteBuf buf = (ByteBuf) msg;
                    if (sha != null) {
                        sha.update(buf.nioBuffer());
                    }
                    received += buf.readableBytes();
                    check();
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void check() {
            if (reached != null && received >= target) {
                reached.complete(System.nanoTime());
                reached = null;
            }
        }

        byte[] digest() {
            return sha == null ? null : sha.digest();
        }
    }

    /** Samples the server's live direct bytes and the JDK's direct buffer pool every 2 ms. */
    private static final class Sampler implements AutoCloseable {
        private final UnpooledByteBufAllocator alloc;
        private final BufferPoolMXBean jdkDirect = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(pool -> "direct".equals(pool.getName())).findFirst().orElse(null);
        private final Thread thread;
        private volatile boolean running = true;
        long peakServerDirect;
        long peakJdkDirect;

        Sampler(UnpooledByteBufAllocator alloc) {
            this.alloc = alloc;
            thread = new Thread(this::loop, "file-memory-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        private void loop() {
            while (running) {
                sample();
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    return;
                }
            }
            sample();
        }

        private void sample() {
            peakServerDirect = Math.max(peakServerDirect, alloc.metric().usedDirectMemory());
            if (jdkDirect != null) {
                peakJdkDirect = Math.max(peakJdkDirect, jdkDirect.getMemoryUsed());
            }
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.join();
        }
    }
}
