package io.sslwrite.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.internal.PlatformDependent;
import io.sslwrite.SslWriteHandler;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * One contestant's HTTPS server for the field's clients ({@link RealClientBenchmark}, {@link SlowReaderClient}):
 * HTTP/2 ({@code Http2FrameCodec} and {@code Http2MultiplexHandler}, each stream through
 * {@code Http2StreamFrameToHttpObjectCodec}) or HTTP/1.1 ({@code HttpServerCodec}), chosen by ALPN, both
 * serving {@link BytesResponder}. Only the TLS handler differs between contestants ({@link HttpServerTls}).
 *
 * <pre>
 * java -cp benchmarks.jar io.sslwrite.bench.RealClientServer CONTESTANT PORT CONTROL_PORT [--threads=N]
 * </pre>
 *
 * One event loop (default) accepts and serves every connection. A second, plaintext port on 127.0.0.1 answers
 * one line per connection, read by a blocking thread of its own so that asking costs the event loop nothing:
 * {@code stats} gives the counters below and the process's CPU time; {@code gc} first runs a full collection,
 * so {@code heapUsed} is what is live. Prints {@code READY} once both ports listen.
 */
public final class RealClientServer {

    private final BytesResponder.Counters counters = new BytesResponder.Counters();
    private final AtomicLong handshakes = new AtomicLong();
    private final AtomicLong failedHandshakes = new AtomicLong();
    private final AtomicInteger openConnections = new AtomicInteger();
    private final AtomicInteger peakConnections = new AtomicInteger();
    private final List<Long> eventLoopThreadIds = new ArrayList<>();
    /** Handshakes by the cipher suite they settled on: the pinning at work, whatever the client offered. */
    private final Map<String, AtomicLong> suites = new ConcurrentHashMap<>();

    private RealClientServer() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: RealClientServer CONTESTANT PORT CONTROL_PORT [--threads=N]");
            System.exit(2);
        }
        int threads = 1;
        for (int i = 3; i < args.length; i++) {
            if (args[i].startsWith("--threads=")) {
                threads = Integer.parseInt(args[i].substring("--threads=".length()));
            } else {
                System.err.println("unknown argument " + args[i]);
                System.exit(2);
            }
        }
        new RealClientServer().run(Contestant.valueOf(args[0]), Integer.parseInt(args[1]), Integer.parseInt(args[2]),
                threads);
    }

    private void run(Contestant contestant, int port, int controlPort, int threads) throws Exception {
        HttpServerTls tls = HttpServerTls.create(contestant);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads, NioIoHandler.newFactory());
        for (int i = 0; i < threads; i++) {
            eventLoopThreadIds.add(group.next().submit(() -> Thread.currentThread().getId()).get());
        }
        Channel listener = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(tls.newHandler(ch.alloc()), new ConnectionCounter(),
                                tls.newNegotiator(RealClientServer.this::configure));
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", port)).sync().channel();
        ServerSocket control = new ServerSocket(controlPort, 16, InetAddress.getLoopbackAddress());
        System.out.println("READY " + contestant + " on " + listener.localAddress() + ", Java " + Runtime.version());
        System.out.flush();
        serveControl(control);
    }

    private void configure(ChannelHandlerContext ctx, String protocol) {
        if (protocol.equals("h2")) {
            ctx.pipeline().addLast(
                    Http2FrameCodecBuilder.forServer().build(),
                    new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
                        @Override
                        protected void initChannel(Http2StreamChannel stream) {
                            stream.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true),
                                    new BytesResponder(counters));
                        }
                    }));
        } else {
            ctx.pipeline().addLast(new HttpServerCodec(), new HttpServerKeepAliveHandler(), new BytesResponder(counters));
        }
    }

    /** Counts connections and completed handshakes; sits right after the TLS handler. */
    @ChannelHandler.Sharable
    private final class ConnectionCounter extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            peakConnections.accumulateAndGet(openConnections.incrementAndGet(), Math::max);
            ctx.fireChannelActive();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            openConnections.decrementAndGet();
            ctx.fireChannelInactive();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent e) {
                if (e.isSuccess()) {
                    handshakes.incrementAndGet();
                    suites.computeIfAbsent(cipherSuite(ctx.pipeline().first()), k -> new AtomicLong()).incrementAndGet();
                } else {
                    failedHandshakes.incrementAndGet();
                }
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // A client that stops at the end of its run resets connections: closing is all there is to do.
            ctx.close();
        }
    }

    private static String cipherSuite(ChannelHandler tls) {
        if (tls instanceof SslWriteHandler h) {
            return h.session().cipherSuite();
        }
        return ((SslHandler) tls).engine().getSession().getCipherSuite();
    }

    private void serveControl(ServerSocket control) {
        while (true) {
            try (Socket s = control.accept()) {
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                String command = in.readLine();
                if ("exit".equals(command)) {
                    System.exit(0);
                }
                if ("gc".equals(command)) {
                    for (int i = 0; i < 3; i++) {
                        System.gc();
                        Thread.sleep(100);
                    }
                }
                OutputStream out = s.getOutputStream();
                out.write((stats() + "\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
            } catch (IOException | InterruptedException e) {
                System.err.println("control: " + e);
            }
        }
    }

    private String stats() throws IOException {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long eventLoopCpu = 0;
        for (long id : eventLoopThreadIds) {
            eventLoopCpu += threads.getThreadCpuTime(id);
        }
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        return String.format(Locale.ROOT,
                "handshakes=%d failedHandshakes=%d requests=%d bodyBytes=%d cutResponses=%d failures=%d"
                        + " openConnections=%d peakConnections=%d processCpuNanos=%d eventLoopCpuNanos=%d"
                        + " heapUsed=%d directInBuffers=%d nettyDirect=%d rss=%d suites=%s firstFailure=%s",
                handshakes.get(), failedHandshakes.get(), counters.requests.get(), counters.bodyBytes.get(),
                counters.cutResponses.get(), counters.failures.get(), openConnections.get(), peakConnections.get(),
                os.getProcessCpuTime(), eventLoopCpu,
                ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(),
                MemorySampler.directInBuffers(PooledByteBufAllocator.DEFAULT.metric()),
                PlatformDependent.usedDirectMemory(), rss(),
                suites.isEmpty() ? "-" : suites.entrySet().stream().map(e -> e.getKey() + ":" + e.getValue())
                        .sorted().collect(Collectors.joining(",")),
                counters.firstFailure == null ? "-" : counters.firstFailure.replace(' ', '_'));
    }

    /** Resident set size from {@code /proc/self/status}, -1 where there is none. */
    /** Sends {@code command} to a server's control port and returns its answer's {@code key=value} pairs. */
    static Map<String, String> ask(int controlPort, String command) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), controlPort)) {
            OutputStream out = s.getOutputStream();
            out.write((command + "\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String line = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII))
                    .readLine();
            Map<String, String> kv = new LinkedHashMap<>();
            if (line != null) {
                for (String pair : line.split(" ")) {
                    int eq = pair.indexOf('=');
                    kv.put(pair.substring(0, eq), pair.substring(eq + 1));
                }
            }
            return kv;
        }
    }

    static long rss() throws IOException {
        Path status = Path.of("/proc/self/status");
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
}
