package io.sslwrite.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
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
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.ReferenceCountUtil;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The client side of {@link FootprintBenchmark}, in a JVM of its own so that none of its memory is
 * counted on the server. Opens connections with at most {@link #IN_FLIGHT} handshakes and requests
 * outstanding at a time, asks each for a response of the size the server is told in the request, and
 * keeps the connections open and idle until told to go on. It speaks line by line: the server writes a
 * command on its stdin, the client answers on stdout when the step is done.
 *
 * <pre>
 * stdin  WARM       -> stdout WARM ok        (a few connections do both responses and close)
 * stdin  OPEN       -> stdout OPEN ok        (N connections, one request and a 1 KiB response each)
 * stdin  LARGE      -> stdout LARGE ok       (one request and a 64 KiB response on each open connection)
 * stdin  EXIT       -> closes everything and exits
 * </pre>
 *
 * Any failure ends the process with status 1 and a line on stderr that says what failed.
 */
public final class FootprintClient {

    static final int IN_FLIGHT = 32;
    private static final long STEP_TIMEOUT_SECONDS = 900;

    private final Tls tls;
    private final InetSocketAddress server;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    private final List<Connection> open = new ArrayList<>();
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();

    private FootprintClient(Tls tls, InetSocketAddress server) {
        this.tls = tls;
        this.server = server;
    }

    /** {@code FootprintClient CONTESTANT PORT CONNECTIONS WARM_UP_CONNECTIONS CA_PEM_FILE} */
    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            System.err.println("usage: FootprintClient CONTESTANT PORT CONNECTIONS WARM_UP_CONNECTIONS CA_PEM_FILE");
            System.exit(2);
        }
        Contestant contestant = Contestant.valueOf(args[0]);
        int port = Integer.parseInt(args[1]);
        int connections = Integer.parseInt(args[2]);
        int warmUp = Integer.parseInt(args[3]);
        X509Certificate ca = readCertificate(Paths.get(args[4]));
        FootprintClient client = new FootprintClient(Tls.create(contestant, Tls.X25519, ca),
                new InetSocketAddress("127.0.0.1", port));
        try {
            client.run(connections, warmUp);
        } catch (Throwable t) {
            System.err.println("FootprintClient failed: " + t);
            t.printStackTrace();
            System.exit(1);
        }
        System.exit(0);
    }

    private static X509Certificate readCertificate(Path pem) throws Exception {
        try (var in = Files.newInputStream(pem)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    private void run(int connections, int warmUp) throws Exception {
        BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String command; (command = commands.readLine()) != null; ) {
            switch (command.trim()) {
                case "WARM" -> {
                    List<Connection> warm = openConnections(warmUp);
                    requestOnEach(warm, FootprintBenchmark.LARGE_RESPONSE);
                    for (Connection c : warm) {
                        c.channel.close().syncUninterruptibly();
                    }
                }
                case "OPEN" -> open.addAll(openConnections(connections));
                case "LARGE" -> requestOnEach(open, FootprintBenchmark.LARGE_RESPONSE);
                case "EXIT" -> {
                    for (Connection c : open) {
                        c.channel.close();
                    }
                    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
                    return;
                }
                default -> throw new IllegalArgumentException("unknown command " + command);
            }
            checkNoFailures(command);
            System.out.println(command.trim() + " ok");
            System.out.flush();
        }
    }

    private void checkNoFailures(String step) {
        if (!failures.isEmpty()) {
            throw new IllegalStateException(step + ": " + failures.size() + " connections failed, first: " + failures.peek());
        }
    }

    /** Opens {@code n} connections, each handshaken and answered with one small response. */
    private List<Connection> openConnections(int n) throws Exception {
        Semaphore slots = new Semaphore(IN_FLIGHT);
        ConcurrentLinkedQueue<Connection> made = new ConcurrentLinkedQueue<>();
        Bootstrap b = new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ChannelHandler handler = tls.newClientHandler(ch.alloc());
                        Connection c = new Connection(ch);
                        made.add(c);
                        ch.pipeline().addLast(handler, c);
                        Handlers.handshakeFuture(handler).addListener(f -> {
                            if (f.isSuccess()) {
                                c.request(FootprintBenchmark.SMALL_RESPONSE, slots::release);
                            } else {
                                failures.add("handshake: " + f.cause());
                                slots.release();
                            }
                        });
                    }
                });
        for (int i = 0; i < n; i++) {
            acquire(slots, 1);
            b.connect(server).addListener(f -> {
                if (!f.isSuccess()) {
                    failures.add("connect: " + f.cause());
                    slots.release();
                }
            });
        }
        acquire(slots, IN_FLIGHT);
        return new ArrayList<>(made);
    }

    /** One request on each connection, at most {@link #IN_FLIGHT} outstanding, until every response is in. */
    private void requestOnEach(List<Connection> connections, int responseSize) throws Exception {
        Semaphore slots = new Semaphore(IN_FLIGHT);
        for (Connection c : connections) {
            acquire(slots, 1);
            c.channel.eventLoop().execute(() -> c.request(responseSize, slots::release));
        }
        acquire(slots, IN_FLIGHT);
    }

    private static void acquire(Semaphore slots, int permits) throws InterruptedException {
        if (!slots.tryAcquire(permits, STEP_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            throw new IllegalStateException("no response within " + STEP_TIMEOUT_SECONDS + " s");
        }
    }

    /** One connection: sends a request and counts the response's bytes until all have come. */
    private final class Connection extends ChannelInboundHandlerAdapter {
        final Channel channel;
        private long expected;
        private long received;
        private Runnable whenAnswered;

        Connection(Channel channel) {
            this.channel = channel;
        }

        /** On the event loop: asks for {@code size} bytes; {@code whenAnswered} runs once they are in. */
        void request(int size, Runnable whenAnswered) {
            this.expected = size;
            this.received = 0;
            this.whenAnswered = whenAnswered;
            ByteBuf request = channel.alloc().buffer(FootprintBenchmark.REQUEST_BYTES);
            request.writeInt(size).writeZero(FootprintBenchmark.REQUEST_BYTES - 4);
            channel.writeAndFlush(request).addListener(f -> {
                if (!f.isSuccess()) {
                    fail("request write: " + f.cause());
                }
            });
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ByteBuf buf) {
                received += buf.readableBytes();
            }
            ReferenceCountUtil.release(msg);
            if (whenAnswered != null && received >= expected) {
                Runnable r = whenAnswered;
                whenAnswered = null;
                r.run();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            fail("connection closed by the server");
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail("exception: " + cause);
            ctx.close();
        }

        private void fail(String why) {
            if (whenAnswered != null) {
                failures.add(why);
                Runnable r = whenAnswered;
                whenAnswered = null;
                r.run();
            }
        }
    }
}
