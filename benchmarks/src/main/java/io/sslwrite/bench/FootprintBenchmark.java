package io.sslwrite.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.internal.PlatformDependent;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What an idle TLS connection costs the server: N real connections on 127.0.0.1 (default
 * {@link #CONNECTIONS}), each opened by a client in a JVM of its own ({@link FootprintClient}), each
 * handshaken (TLS 1.3, x25519, EC P-256 certificate), sent one {@value #REQUEST_BYTES}-byte request
 * and answered with {@value #SMALL_RESPONSE} bytes, then left idle. The server's memory is measured
 * then, and again after one more request on every connection answered with {@value #LARGE_RESPONSE}
 * bytes, minus the memory measured before the connections were opened, divided by N:
 *
 * <ul>
 *   <li>heap: used heap after {@code System.gc()} (a full collection), so only what the connections
 *       keep alive;</li>
 *   <li>direct: the pooled direct memory lent out to buffers ({@link MemorySampler#directInBuffers()}),
 *       Netty's own direct counter, and the JDK's direct buffer pool;</li>
 *   <li>RSS: the process's resident set ({@code VmRSS}), which also holds native memory the other rows
 *       cannot see (BoringSSL's per-connection state). The server JVM runs with
 *       {@code -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20}, so that the full collection also gives
 *       back the heap the handshakes' garbage made it grow to, and RSS follows the live heap.</li>
 * </ul>
 *
 * <p>Before the baseline, a warm-up round of connections does both responses and closes, so that
 * classes, caches and the allocator's arenas the first connections bring into being are in the
 * baseline rather than charged to the connections. Every response is a slice of one shared heap array,
 * so the application itself holds nothing per connection but its tiny request handler.
 *
 * <p>One contestant per JVM: {@code main(contestant [--quick] [--connections=N])} prints one
 * {@code FOOTPRINT key=value ...} line, which {@link RunAll} reads.
 */
public final class FootprintBenchmark {

    static final int CONNECTIONS = 10_000;
    static final int CONNECTIONS_QUICK = 500;
    static final int WARM_UP_CONNECTIONS = 200;
    static final int REQUEST_BYTES = 128;
    static final int SMALL_RESPONSE = 1024;
    static final int LARGE_RESPONSE = 64 * 1024;
    static final String RESULT_PREFIX = "FOOTPRINT ";
    /** The server's event loops: one per core of the 2-core machine the benchmarks are sized for. */
    static final int SERVER_THREADS = 2;
    /**
     * The server JVM's flags, after {@link RunAll#FORK_JVM_ARGS} (later flags win): room for 10,000
     * connections of the most expensive contestant, and a heap that shrinks to fit after a full
     * collection so that RSS follows what is live.
     */
    static final List<String> SERVER_JVM_ARGS = List.of("-Xms64m", "-Xmx4g",
            "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=20");
    /** Heap of the client JVM: enough for N connections of the most expensive contestant. */
    static final String CLIENT_MAX_HEAP = "-Xmx3g";
    private static final long STEP_TIMEOUT_SECONDS = 900;
    /** Lines of the class histogram printed per step; {@code -Dfootprint.histogramLines=N} for more. */
    private static final int HISTOGRAM_LINES = Integer.getInteger("footprint.histogramLines", 32);
    private static final byte[] RESPONSE = new byte[LARGE_RESPONSE];

    static {
        ThreadLocalRandom.current().nextBytes(RESPONSE);
    }

    private final AtomicInteger openConnections = new AtomicInteger();
    private final AtomicLong responsesWritten = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private volatile String firstFailure;

    private FootprintBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: FootprintBenchmark CONTESTANT [--quick] [--connections=N]");
            System.exit(2);
        }
        int connections = -1;
        boolean quick = false;
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--quick")) {
                quick = true;
            } else if (args[i].startsWith("--connections=")) {
                connections = Integer.parseInt(args[i].substring("--connections=".length()));
            } else {
                System.err.println("unknown argument " + args[i]);
                System.exit(2);
            }
        }
        if (connections < 0) {
            connections = quick ? CONNECTIONS_QUICK : CONNECTIONS;
        }
        Map<String, Object> result = new FootprintBenchmark().run(Contestant.valueOf(args[0]), connections);
        StringBuilder line = new StringBuilder(RESULT_PREFIX);
        result.forEach((k, v) -> line.append(k).append('=').append(v).append(' '));
        System.out.println(line.toString().trim());
        System.exit(0);
    }

    private Map<String, Object> run(Contestant contestant, int connections) throws Exception {
        checkFileDescriptors(connections);
        Tls tls = Tls.create(contestant, Tls.X25519);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("contestant", contestant);
        result.put("connections", connections);
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(SERVER_THREADS, NioIoHandler.newFactory());
        Path caFile = Files.createTempFile("sslwrite-footprint-ca-", ".pem");
        Process client = null;
        try {
            Channel listener = new ServerBootstrap()
                    .group(boss, workers)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(tls.newServerHandler(ch.alloc()), new Responder());
                        }
                    })
                    .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            writePem(caFile);
            client = startClient(contestant, ((InetSocketAddress) listener.localAddress()).getPort(), connections, caFile);
            BufferedReader answers = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
            Writer commands = new OutputStreamWriter(client.getOutputStream(), StandardCharsets.UTF_8);

            step(commands, answers, "WARM");
            awaitCount("warm-up connections to close", openConnections::get, 0);
            Snapshot baseline = Snapshot.take();
            printHistogram("before the connections");

            long t0 = System.nanoTime();
            step(commands, answers, "OPEN");
            awaitCount("connections", openConnections::get, connections);
            awaitCount("1 KiB responses", responsesWritten::get, (long) WARM_UP_CONNECTIONS * 2 + connections);
            result.put("openSeconds", (System.nanoTime() - t0) / 1_000_000_000L);
            Snapshot small = Snapshot.take();
            printHistogram("after the 1 KiB responses");

            step(commands, answers, "LARGE");
            awaitCount("64 KiB responses", responsesWritten::get, (long) WARM_UP_CONNECTIONS * 2 + 2L * connections);
            Snapshot large = Snapshot.take();
            printHistogram("after the 64 KiB responses");
            checkNoFailures();

            result.put("baselineHeapBytes", baseline.heap);
            result.put("baselineRssBytes", baseline.rss);
            small.perConnection("small", baseline, connections, result);
            large.perConnection("large", baseline, connections, result);
            step(commands, null, "EXIT");
            client.waitFor(60, TimeUnit.SECONDS);
            listener.close().sync();
        } finally {
            if (client != null) {
                client.destroyForcibly();
            }
            Files.deleteIfExists(caFile);
            boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
        return result;
    }

    /**
     * The server needs one descriptor per connection. HotSpot raises its soft limit to the hard limit
     * at start-up (-XX:+MaxFDLimit, on by default), so the hard limit is what counts.
     */
    private static void checkFileDescriptors(int connections) {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean os) {
            long max = os.getMaxFileDescriptorCount();
            if (max < connections + 200L) {
                throw new IllegalStateException(connections + " connections need " + (connections + 200)
                        + " file descriptors, this process may open " + max + "; raise the limit (ulimit -n) or pass"
                        + " --footprint-connections=" + (max - 200));
            }
        }
    }

    private static void writePem(Path file) throws Exception {
        String pem = "-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(BenchPki.get().caCertificate().getEncoded())
                + "\n-----END CERTIFICATE-----\n";
        Files.writeString(file, pem, StandardCharsets.US_ASCII);
    }

    private static Process startClient(Contestant contestant, int port, int connections, Path caFile) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(RunAll.FORK_JVM_ARGS);
        command.add(CLIENT_MAX_HEAP);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(FootprintClient.class.getName());
        command.add(contestant.name());
        command.add(Integer.toString(port));
        command.add(Integer.toString(connections));
        command.add(Integer.toString(WARM_UP_CONNECTIONS));
        command.add(caFile.toString());
        // The client's complaints go to this JVM's log, beside the server's.
        return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    /**
     * The classes with the most live bytes (the JVM's {@code GC.class_histogram}), into this JVM's log:
     * what a connection's bytes are made of.
     */
    private static void printHistogram(String when) {
        try {
            String histogram = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                    new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                    new Object[] {new String[0]}, new String[] {String[].class.getName()});
            System.out.println("live heap by class " + when + ":");
            histogram.lines().limit(HISTOGRAM_LINES).forEach(System.out::println);
        } catch (Exception e) {
            System.out.println("no class histogram: " + e);
        }
    }

    /** Sends {@code command} to the client and waits for its {@code "<command> ok"}. */
    private static void step(Writer commands, BufferedReader answers, String command) throws IOException {
        System.out.println("footprint: " + command);
        commands.write(command + "\n");
        commands.flush();
        if (answers == null) {
            return;
        }
        for (String answer; (answer = answers.readLine()) != null; ) {
            if ((command + " ok").equals(answer)) {
                return;
            }
            System.out.println("client: " + answer);
        }
        throw new IllegalStateException("the client exited before it answered " + command + " (its log is above)");
    }

    private void awaitCount(String what, java.util.function.LongSupplier count, long expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(STEP_TIMEOUT_SECONDS);
        while (count.getAsLong() != expected) {
            checkNoFailures();
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(what + ": " + count.getAsLong() + " after " + STEP_TIMEOUT_SECONDS
                        + " s, expected " + expected);
            }
            Thread.sleep(20);
        }
    }

    private void checkNoFailures() {
        if (failures.get() > 0) {
            throw new IllegalStateException(failures.get() + " server-side failures, first: " + firstFailure);
        }
    }

    /** The application: reads a request, answers with as many bytes as its first four ask for. */
    private final class Responder extends ChannelInboundHandlerAdapter {
        private int requestBytes;
        private int asked;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            openConnections.incrementAndGet();
            ctx.fireChannelActive();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            openConnections.decrementAndGet();
            ctx.fireChannelInactive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                ByteBuf in = (ByteBuf) msg;
                while (in.isReadable()) {
                    while (requestBytes < 4 && in.isReadable()) {
                        asked = (asked << 8) | in.readUnsignedByte();
                        requestBytes++;
                    }
                    int skip = Math.min(in.readableBytes(), REQUEST_BYTES - requestBytes);
                    in.skipBytes(skip);
                    requestBytes += skip;
                    if (requestBytes == REQUEST_BYTES) {
                        respond(ctx, asked);
                        requestBytes = 0;
                        asked = 0;
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void respond(ChannelHandlerContext ctx, int size) {
            ctx.writeAndFlush(Unpooled.wrappedBuffer(RESPONSE, 0, size)).addListener(f -> {
                if (f.isSuccess()) {
                    responsesWritten.incrementAndGet();
                } else {
                    failed("response write: " + f.cause());
                }
            });
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            failed("exceptionCaught: " + cause);
            ctx.close();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof io.netty.handler.ssl.SslHandshakeCompletionEvent e && !e.isSuccess()) {
                failed("handshake: " + e.cause());
            }
            ReferenceCountUtil.release(evt);
        }

        private void failed(String why) {
            if (failures.getAndIncrement() == 0) {
                firstFailure = why;
            }
        }
    }

    /** The server's memory at one moment, after a full collection. */
    private record Snapshot(long heap, long directInBuffers, long nettyDirect, long jdkDirect, long rss) {

        static Snapshot take() throws Exception {
            // Writes complete a little before the transport's buffers are released: let them settle.
            Thread.sleep(500);
            for (int i = 0; i < 3; i++) {
                System.gc();
                Thread.sleep(200);
            }
            MemorySampler sampler = new MemorySampler();
            long directInBuffers = sampler.directInBuffers();
            sampler.close();
            return new Snapshot(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), directInBuffers,
                    PlatformDependent.usedDirectMemory(), MemorySampler.jdkDirect(), readRss());
        }

        /** Resident set size from {@code /proc/self/status}; -1 where there is none. */
        private static long readRss() throws IOException {
            Path status = Paths.get("/proc/self/status");
            if (!Files.exists(status)) {
                return -1;
            }
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
            return -1;
        }

        void perConnection(String phase, Snapshot baseline, int connections, Map<String, Object> result) {
            result.put(phase + ".heapBytes", heap);
            result.put(phase + ".heapPerConnection", perConnection(heap - baseline.heap, connections));
            result.put(phase + ".directInBuffersPerConnection", perConnection(directInBuffers - baseline.directInBuffers, connections));
            result.put(phase + ".nettyDirectPerConnection", nettyDirect < 0 ? "n/a"
                    : perConnection(nettyDirect - baseline.nettyDirect, connections));
            result.put(phase + ".jdkDirectPerConnection", perConnection(jdkDirect - baseline.jdkDirect, connections));
            result.put(phase + ".rssPerConnection", rss < 0 ? "n/a" : perConnection(rss - baseline.rss, connections));
        }

        private static String perConnection(long bytes, int connections) {
            return String.format(Locale.ROOT, "%.0f", (double) bytes / connections);
        }
    }
}
