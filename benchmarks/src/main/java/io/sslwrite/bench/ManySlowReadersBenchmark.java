package io.sslwrite.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.ReferenceCountUtil;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Many slow readers at once: N TLS connections (default 10,000) to one contestant's {@link RealClientServer}, in a
 * JVM of its own, each requesting a 1 MiB response over HTTP/1.1 and reading it at 16 KiB/s, as mobile clients
 * downloading a large file do. This JVM is the clients; the server's heap, direct memory and RSS are sampled
 * through its control port every {@value #SAMPLE_MILLIS} ms while they read, and every response's bytes are
 * checked against {@link BytesResponder#byteAt(long)}.
 *
 * <pre>
 * java -cp benchmarks.jar io.sslwrite.bench.ManySlowReadersBenchmark [--quick] [--connections=N]
 *      [--contestants=SSLWRITE,...] [--modes=file,bytes] [--port=18460]
 * </pre>
 *
 * Two applications, as a {@code mode}: {@code file} answers each request with the whole body in one write
 * ({@code GET /file/N}, a slice of one shared array: a file served from memory); {@code bytes} streams it in
 * 64 KiB pieces while the channel is writable ({@code GET /bytes/N}). Every server runs with the same
 * {@link #SERVER_JVM_ARGS}; a server that runs out of memory fails responses, and the row says how many arrived.
 *
 * <p>Pacing: each client connection reads with {@code autoRead} off, at most 16 KiB a read (a fixed receive
 * buffer, one read per call) and only while its budget, refilled by one timer per event loop every
 * {@value #TICK_MILLIS} ms, is positive; its receive buffer is {@value #CLIENT_RCVBUF} bytes, a mobile client's
 * window. The clients are Netty's {@code SslHandler} on BoringSSL (the JDK's engine where netty-tcnative does not
 * load), with no certificate check: what is measured is the server.
 */
public final class ManySlowReadersBenchmark {

    static final int DEFAULT_PORT = 18460;
    static final int CONNECTIONS = 10_000;
    static final int RESPONSE_BYTES = 1024 * 1024;
    static final int BYTES_PER_SECOND = 16 * 1024;
    static final int CLIENT_RCVBUF = 64 * 1024;
    static final int IN_FLIGHT_HANDSHAKES = 64;
    static final long SAMPLE_MILLIS = 500;
    static final int TICK_MILLIS = 100;
    /** The same limits for every server; 2 GiB of heap and of direct memory, on a 24 GiB machine. */
    static final List<String> SERVER_JVM_ARGS = List.of("-Xms256m", "-Xmx2g", "-XX:MaxDirectMemorySize=2g",
            "-Dio.netty.leakDetection.level=disabled", "-Djdk.tls.server.enableSessionTicketExtension=false",
            // Lets Netty count the direct memory it allocates (PlatformDependent.usedDirectMemory()).
            "-Dio.netty.tryReflectionSetAccessible=true", "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED");

    private final int connections;
    private final int rate;
    private final int port;
    private final Path outDir = Paths.get("benchmarks", "target", "slow-readers");
    private final SslContext clientTls;

    private ManySlowReadersBenchmark(int connections, int rate, int port) throws Exception {
        this.connections = connections;
        this.rate = rate;
        this.port = port;
        SslContextBuilder b = SslContextBuilder.forClient()
                .sslProvider(OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK)
                .trustManager(InsecureTrustManagerFactory.INSTANCE)
                .protocols(Tls.PROTOCOL).ciphers(List.of(Tls.CIPHER_SUITE));
        clientTls = b.build();
    }

    public static void main(String[] args) throws Exception {
        boolean quick = false;
        int connections = -1;
        int port = DEFAULT_PORT;
        List<Contestant> contestants = List.of(Contestant.values());
        List<String> modes = List.of("file", "bytes");
        for (String a : args) {
            if (a.equals("--quick")) {
                quick = true;
            } else if (a.startsWith("--connections=")) {
                connections = Integer.parseInt(a.substring("--connections=".length()));
            } else if (a.startsWith("--port=")) {
                port = Integer.parseInt(a.substring("--port=".length()));
            } else if (a.startsWith("--contestants=")) {
                contestants = Arrays.stream(a.substring("--contestants=".length()).split(","))
                        .map(Contestant::valueOf).toList();
            } else if (a.startsWith("--modes=")) {
                modes = List.of(a.substring("--modes=".length()).split(","));
            } else {
                System.err.println("unknown argument " + a);
                System.exit(2);
            }
        }
        if (connections < 0) {
            connections = quick ? 500 : CONNECTIONS;
        }
        // --quick reads 4x faster, so that a run that only checks everything works takes seconds, not minutes.
        int rate = quick ? 4 * BYTES_PER_SECOND : BYTES_PER_SECOND;
        ManySlowReadersBenchmark bench = new ManySlowReadersBenchmark(connections, rate, port);
        long started = System.nanoTime();
        String loadBefore = RealClientBenchmark.loadAverage();
        Files.createDirectories(bench.outDir);
        Map<String, Map<Contestant, Result>> results = new LinkedHashMap<>();
        for (String mode : modes) {
            for (Contestant c : contestants) {
                Result r = bench.run(c, mode);
                System.out.println("slow-readers: " + mode + " " + c + ": " + r);
                results.computeIfAbsent(mode, k -> new LinkedHashMap<>()).put(c, r);
            }
        }
        String table = bench.table(results, contestants, loadBefore, RealClientBenchmark.loadAverage(),
                (System.nanoTime() - started) / 1_000_000_000L);
        System.out.println();
        System.out.println(table);
        Files.writeString(bench.outDir.resolve("results.md"), table);
        System.exit(0);
    }

    /** What one contestant's server did with N slow readers. */
    record Result(int completed, long verifiedBytes, int failures, String firstFailure, long openMillis,
                  long totalMillis, long closeMillis, Map<String, Long> baseline, Map<String, Long> idle,
                  Map<String, Long> peaks, long liveHeapMidway) {
    }

    private Result run(Contestant c, String mode) throws Exception {
        Process server = startServer(c, mode);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        try {
            Map<String, Long> baseline = numbers(control("gc"));
            Map<String, Long> peaks = new HashMap<>();
            AtomicInteger completed = new AtomicInteger();
            AtomicLong verified = new AtomicLong();
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            Semaphore handshakes = new Semaphore(IN_FLIGHT_HANDSHAKES);
            AtomicInteger ended = new AtomicInteger();
            List<Reader> ready = java.util.Collections.synchronizedList(new ArrayList<>());
            String path = ("file".equals(mode) ? BytesResponder.FILE_PATH : BytesResponder.BYTES_PATH) + RESPONSE_BYTES;
            Bootstrap b = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                    .option(ChannelOption.SO_RCVBUF, CLIENT_RCVBUF)
                    .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(16 * 1024).maxMessagesPerRead(1))
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            SslHandler tls = clientTls.newHandler(ch.alloc());
                            Reader reader = new Reader(ch, new Pacer(rate * TICK_MILLIS / 1000), path, completed,
                                    verified, failures, ended);
                            ch.pipeline().addLast(reader.pacer, tls, reader);
                            tls.handshakeFuture().addListener(f -> {
                                handshakes.release();
                                if (f.isSuccess()) {
                                    ready.add(reader);
                                } else {
                                    failures.add("handshake: " + f.cause());
                                }
                            });
                        }
                    });
            // First every connection is opened and handshaken, and left idle: all N are then open at once,
            // however fast the server shakes hands.
            long t0 = System.nanoTime();
            for (int i = 0; i < connections; i++) {
                if (!handshakes.tryAcquire(120, TimeUnit.SECONDS)) {
                    failures.add("no handshake completed for 120 s after " + i + " connections");
                    break;
                }
                b.connect(new InetSocketAddress("127.0.0.1", port)).addListener(f -> {
                    if (!f.isSuccess()) {
                        failures.add("connect: " + f.cause());
                        handshakes.release();
                        ended.incrementAndGet();
                    }
                });
            }
            handshakes.tryAcquire(IN_FLIGHT_HANDSHAKES, 120, TimeUnit.SECONDS);
            long openMillis = (System.nanoTime() - t0) / 1_000_000;
            Map<String, Long> idle = numbers(control("gc"));
            // Then every connection asks for its response at once, and reads it at the paced rate.
            Sampler sampler = new Sampler(peaks);
            sampler.start();
            long t1 = System.nanoTime();
            synchronized (ready) {
                for (Reader r : ready) {
                    r.channel.eventLoop().execute(r::start);
                }
            }
            // Halfway through the reading, what the server keeps alive (a full collection first).
            long expected = (long) connections * RESPONSE_BYTES;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300 + 3L * RESPONSE_BYTES / rate);
            while (verified.get() < expected / 2 && ended.get() < connections && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            long liveHeap = ended.get() < connections ? numbers(control("gc")).get("heapUsed") : -1;
            while (ended.get() < connections && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            if (ended.get() < connections) {
                failures.add((connections - ended.get()) + " connections still reading at the deadline");
            }
            long totalMillis = (System.nanoTime() - t1) / 1_000_000;
            sampler.stop();
            // The clients closed as each body arrived, the last ones together: how long until the server has
            // let go of every connection (its close paths, close_notify and their timers at scale).
            long t2 = System.nanoTime();
            long open;
            while ((open = numbers(control("stats")).get("openConnections")) > 0
                    && System.nanoTime() - t2 < TimeUnit.SECONDS.toNanos(120)) {
                Thread.sleep(100);
            }
            if (open > 0) {
                failures.add("the server still held " + open + " connections 120 s after the clients closed");
            }
            long closeMillis = (System.nanoTime() - t2) / 1_000_000;
            return new Result(completed.get(), verified.get(), failures.size(), failures.peek(), openMillis,
                    totalMillis, closeMillis, baseline, idle, peaks, liveHeap);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            try {
                control("exit");
            } catch (IOException ignored) {
                // it exits without answering, or is gone
            }
            if (!server.waitFor(30, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
        }
    }

    private Process startServer(Contestant c, String mode) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(SERVER_JVM_ARGS);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(RealClientServer.class.getName());
        command.add(c.name());
        command.add(Integer.toString(port));
        command.add(Integer.toString(port + 1));
        Path log = outDir.resolve("server-" + mode + "-" + c + ".log");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (Files.readString(log).lines().noneMatch(l -> l.startsWith("READY"))) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException(c + "'s server did not start:\n" + Files.readString(log));
            }
            Thread.sleep(100);
        }
        return p;
    }

    private Map<String, String> control(String command) throws IOException {
        return RealClientServer.ask(port + 1, command);
    }

    private static Map<String, Long> numbers(Map<String, String> kv) {
        Map<String, Long> n = new HashMap<>();
        kv.forEach((k, v) -> {
            if (v.matches("-?\\d+")) {
                n.put(k, Long.parseLong(v));
            }
        });
        return n;
    }

    /** Kernel memory of all TCP sockets, from {@code /proc/net/sockstat} (pages), in bytes; -1 where unknown. */
    static long tcpKernelBytes() {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc/net/sockstat"))) {
                if (line.startsWith("TCP:")) {
                    String[] f = line.split("\\s+");
                    for (int i = 0; i < f.length - 1; i++) {
                        if (f[i].equals("mem")) {
                            return Long.parseLong(f[i + 1]) * 4096;
                        }
                    }
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    /** Polls the server's numbers and keeps their highest values. */
    private final class Sampler {
        private final Map<String, Long> peaks;
        private final Thread thread = new Thread(this::loop, "server-sampler");
        private volatile boolean running = true;

        Sampler(Map<String, Long> peaks) {
            this.peaks = peaks;
            thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        void stop() throws InterruptedException {
            running = false;
            thread.join();
        }

        private void loop() {
            while (running) {
                try {
                    Map<String, Long> now = numbers(control("stats"));
                    now.put("tcpKernel", tcpKernelBytes());
                    synchronized (peaks) {
                        now.forEach((k, v) -> peaks.merge(k, v, Math::max));
                    }
                    Thread.sleep(SAMPLE_MILLIS);
                } catch (IOException e) {
                    // The server is gone (out of memory, say): the counts tell the rest.
                    return;
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /**
     * At the head of a client's pipeline: reads freely until {@link #start}, then only with budget, which a timer
     * of the event loop refills every {@value #TICK_MILLIS} ms; a TLS handler asking for more waits its turn.
     */
    private static final class Pacer extends ChannelDuplexHandler {
        /** One ticker per event loop: 10,000 connections need not be 10,000 timers. */
        private static final Map<EventLoop, List<Pacer>> TICKERS = new java.util.concurrent.ConcurrentHashMap<>();

        private final long bytesPerTick;
        private ChannelHandlerContext ctx;
        private boolean paced;
        private boolean reading;
        private long budget;

        Pacer(long bytesPerTick) {
            this.bytesPerTick = bytesPerTick;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        /** On the channel's event loop. */
        void start(EventLoop loop) {
            paced = true;
            ctx.channel().config().setAutoRead(false);
            List<Pacer> list = TICKERS.computeIfAbsent(loop, l -> {
                List<Pacer> pacers = new ArrayList<>();
                l.scheduleAtFixedRate(() -> {
                    pacers.removeIf(p -> !p.ctx.channel().isActive());
                    pacers.forEach(Pacer::tick);
                }, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
                return pacers;
            });
            list.add(this);
        }

        private void tick() {
            budget = Math.min(budget + bytesPerTick, bytesPerTick);
            if (budget > 0 && !reading) {
                reading = true;
                ctx.read();
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (paced && msg instanceof ByteBuf buf) {
                budget -= buf.readableBytes();
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            reading = false;
            ctx.fireChannelReadComplete();
        }

        @Override
        public void read(ChannelHandlerContext ctx) {
            if (!paced) {
                ctx.read();
            }
        }
    }

    /** Sends the request, reads the response head, checks every body byte, and closes when the body is whole. */
    private static final class Reader extends ChannelInboundHandlerAdapter {
        final Channel channel;
        final Pacer pacer;
        private final String path;
        private final AtomicInteger completed;
        private final AtomicLong verified;
        private final ConcurrentLinkedQueue<String> failures;
        private final AtomicInteger ended;
        private final StringBuilder head = new StringBuilder();
        private boolean inBody;
        private long offset;
        private boolean done;

        Reader(Channel channel, Pacer pacer, String path, AtomicInteger completed, AtomicLong verified,
               ConcurrentLinkedQueue<String> failures, AtomicInteger ended) {
            this.channel = channel;
            this.pacer = pacer;
            this.path = path;
            this.completed = completed;
            this.verified = verified;
            this.failures = failures;
            this.ended = ended;
        }

        /** On the channel's event loop: sends the request and starts reading at the paced rate. */
        void start() {
            if (!channel.isActive()) {
                return;
            }
            channel.writeAndFlush(channel.alloc().buffer().writeBytes(
                    ("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.US_ASCII)));
            pacer.start(channel.eventLoop());
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                ByteBuf in = (ByteBuf) msg;
                while (!inBody && in.isReadable()) {
                    head.append((char) in.readByte());
                    if (head.length() >= 4 && head.lastIndexOf("\r\n\r\n") == head.length() - 4) {
                        if (!head.toString().startsWith("HTTP/1.1 200")
                                || !head.toString().toLowerCase(Locale.ROOT).contains("content-length: " + RESPONSE_BYTES)) {
                            end(ctx, "unexpected response head: " + head.toString().trim().replace("\r\n", " | "));
                            return;
                        }
                        inBody = true;
                    }
                }
                int n = in.readableBytes();
                for (int i = 0; i < n; i++) {
                    if (in.getByte(in.readerIndex() + i) != BytesResponder.byteAt(offset + i)) {
                        end(ctx, "byte " + (offset + i) + " of the body is wrong");
                        return;
                    }
                }
                offset += n;
                verified.addAndGet(n);
                if (offset == RESPONSE_BYTES) {
                    completed.incrementAndGet();
                    end(ctx, null);
                } else if (offset > RESPONSE_BYTES) {
                    end(ctx, "more than " + RESPONSE_BYTES + " body bytes");
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void end(ChannelHandlerContext ctx, String failure) {
            if (done) {
                return;
            }
            done = true;
            if (failure != null) {
                failures.add(failure);
            }
            ended.incrementAndGet();
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            end(ctx, "closed after " + offset + " body bytes");
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            end(ctx, String.valueOf(cause));
        }
    }

    private String table(Map<String, Map<Contestant, Result>> results, List<Contestant> contestants, String loadBefore,
                         String loadAfter, long seconds) {
        StringBuilder t = new StringBuilder("| slow readers | metric |");
        contestants.forEach(c -> t.append(' ').append(c).append(" |"));
        t.append("\n|---|---|");
        contestants.forEach(c -> t.append("---:|"));
        t.append('\n');
        String who = String.format(Locale.ROOT, "%,d x 1 MiB at %d KiB/s", connections, rate / 1024);
        List<String> notes = new ArrayList<>();
        for (Map.Entry<String, Map<Contestant, Result>> e : results.entrySet()) {
            String label = who + ", " + ("file".equals(e.getKey()) ? "whole body in one write" : "streamed while writable");
            Map<Contestant, Result> byC = e.getValue();
            row(t, label, "responses whole (bytes checked)", contestants, byC,
                    r -> String.format(Locale.ROOT, "%,d", r.completed));
            row(t, label, "peak direct in buffers MiB", contestants, byC, r -> mib(r.peaks.get("directInBuffers")));
            row(t, label, "peak Netty direct counter MiB", contestants, byC, r -> mib(r.peaks.get("nettyDirect")));
            row(t, label, "peak heap (sampled, with garbage) MiB", contestants, byC, r -> mib(r.peaks.get("heapUsed")));
            row(t, label, "live heap halfway MiB", contestants, byC, r -> r.liveHeapMidway < 0 ? "n/a" : mib(r.liveHeapMidway));
            row(t, label, "idle RSS - RSS before, KiB per connection (all open, before the requests)", contestants, byC,
                    r -> String.format(Locale.ROOT, "%.0f",
                            (r.idle.getOrDefault("rss", 0L) - r.baseline.getOrDefault("rss", 0L)) / 1024.0 / connections));
            row(t, label, "peak RSS MiB", contestants, byC, r -> mib(r.peaks.get("rss")));
            row(t, label, "peak RSS - RSS before, KiB per connection", contestants, byC,
                    r -> String.format(Locale.ROOT, "%.0f",
                            (r.peaks.getOrDefault("rss", 0L) - r.baseline.getOrDefault("rss", 0L)) / 1024.0 / connections));
            row(t, label, "peak direct in buffers, KiB per connection", contestants, byC,
                    r -> String.format(Locale.ROOT, "%.1f", r.peaks.getOrDefault("directInBuffers", 0L) / 1024.0 / connections));
            row(t, label, "peak kernel TCP memory (both sides) MiB", contestants, byC, r -> mib(r.peaks.get("tcpKernel")));
            row(t, label, "seconds to open all / from the requests to the last byte / to the server's last close",
                    contestants, byC, r -> String.format(Locale.ROOT, "%.0f / %.0f / %.1f", r.openMillis / 1000.0,
                            r.totalMillis / 1000.0, r.closeMillis / 1000.0));
            for (Contestant c : contestants) {
                Result r = byC.get(c);
                if (r.failures > 0) {
                    notes.add(e.getKey() + " " + c + ": " + r.failures + " connections failed, first: " + r.firstFailure);
                }
            }
        }
        t.append('\n').append("Server: RealClientServer, one event loop, ").append(String.join(" ", SERVER_JVM_ARGS))
                .append(", Java ").append(Runtime.version()).append("; clients in another JVM: SslHandler on ")
                .append(OpenSsl.isAvailable() ? "BoringSSL" : "the JDK").append(", receive buffer ")
                .append(CLIENT_RCVBUF / 1024).append(" KiB, at most ").append(IN_FLIGHT_HANDSHAKES)
                .append(" handshakes in flight. Load average before / after: ").append(loadBefore).append(" / ")
                .append(loadAfter).append("; run took ").append(seconds).append(" s.\n");
        if (!notes.isEmpty()) {
            t.append('\n');
            notes.forEach(n -> t.append("- ").append(n).append('\n'));
        }
        return t.toString();
    }

    private static void row(StringBuilder t, String label, String metric, List<Contestant> contestants,
                            Map<Contestant, Result> byC, java.util.function.Function<Result, String> cell) {
        t.append("| ").append(label).append(" | ").append(metric).append(" |");
        for (Contestant c : contestants) {
            t.append(' ').append(cell.apply(byC.get(c))).append(" |");
        }
        t.append('\n');
    }

    private static String mib(Long bytes) {
        return bytes == null || bytes < 0 ? "n/a" : String.format(Locale.ROOT, "%,.0f", bytes / (1024.0 * 1024));
    }
}
