package io.sslwrite.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.sslwrite.SslWriteHandler;
import io.sslwrite.SslWriteOption;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Full TLS 1.3 handshakes per second over real NIO sockets on 127.0.0.1, with {@link #CONCURRENCY}
 * clients connecting at once: the server accepts on one event loop and handshakes every connection on
 * it, while the clients run on the other (the two cores of the machine, one per side). Each client
 * connects, completes its handshake and closes; a new one starts as soon as one has closed, so
 * {@link #CONCURRENCY} handshakes are always in flight. One invocation is {@link #HANDSHAKES} handshakes
 * completed on the server side, so ops/s is handshakes/s.
 *
 * <p>Key exchange with {@code group}, the server's certificate of type {@code certificate}, checked by
 * each client against its CA; no session is resumed (the clients send no host name).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class LoopbackHandshakeBenchmark {

    static final int CONCURRENCY = 64;
    static final int HANDSHAKES = 256;
    private static final long OP_TIMEOUT_SECONDS = 120;
    /**
     * Both handlers' default of 10 s is shorter than a queue of {@link #CONCURRENCY} handshakes can take
     * on a busy machine; a timeout would measure the machine, not the contestant.
     */
    private static final long HANDSHAKE_TIMEOUT_MILLIS = 60_000;

    @Param({"SSLWRITE", "NETTY_JDK", "NETTY_BCJSSE", "NETTY_OPENSSL"})
    public Contestant contestant;

    @Param({Tls.X25519, Tls.X25519MLKEM768})
    public String group;

    @Param({"EC_P256", "RSA_2048"})
    public CertificateType certificate;

    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private Tls tls;
    private Loopback.Loops loops;
    private Channel listener;
    private Bootstrap clients;
    private final Semaphore inFlight = new Semaphore(CONCURRENCY);
    /** Counts the server-side handshakes of the current invocation down to zero. */
    private volatile CountDownLatch serverHandshakes;
    /** The first failure of the current invocation, from either side. */
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        tls = Tls.create(contestant, group, certificate);
        loops = new Loopback.Loops();
        listener = new ServerBootstrap()
                .group(loops.server)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 4 * CONCURRENCY)
                .childOption(ChannelOption.ALLOCATOR, alloc)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ChannelHandler handler = withTimeout(tls.newServerHandler(ch.alloc()));
                        ch.pipeline().addLast(handler, Discard.INSTANCE);
                        Handlers.handshakeFuture(handler).addListener(done -> serverDone(done));
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        clients = new Bootstrap()
                .group(loops.client)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.ALLOCATOR, alloc)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ChannelHandler handler = withTimeout(tls.newClientHandler(ch.alloc()));
                        ch.pipeline().addLast(handler, Discard.INSTANCE);
                        Handlers.handshakeFuture(handler).addListener(done -> {
                            if (!done.isSuccess()) {
                                failure.compareAndSet(null, done.cause());
                            }
                            ch.close();
                        });
                        ch.closeFuture().addListener(closed -> inFlight.release());
                    }
                });
    }

    private static ChannelHandler withTimeout(ChannelHandler handler) {
        if (handler instanceof SslWriteHandler) {
            ((SslWriteHandler) handler).setOption(SslWriteOption.HANDSHAKE_TIMEOUT_MILLIS, HANDSHAKE_TIMEOUT_MILLIS);
        } else {
            ((SslHandler) handler).setHandshakeTimeoutMillis(HANDSHAKE_TIMEOUT_MILLIS);
        }
        return handler;
    }

    /** The server's event-loop thread, whose CPU time is the server's cost of the handshakes. */
    Thread serverThread() throws Exception {
        return loops.server.next().submit(Thread::currentThread).get();
    }

    /** The clients' event-loop thread. */
    Thread clientThread() throws Exception {
        return loops.client.next().submit(Thread::currentThread).get();
    }

    private void serverDone(Future<?> done) {
        if (!done.isSuccess()) {
            failure.compareAndSet(null, done.cause());
        }
        CountDownLatch latch = serverHandshakes;
        if (latch != null) {
            latch.countDown();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        // Every client of the last invocation has closed once all permits are back.
        inFlight.tryAcquire(CONCURRENCY, OP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        listener.close().sync();
        loops.close();
    }

    @Benchmark
    @OperationsPerInvocation(HANDSHAKES)
    public void handshakes() throws Exception {
        CountDownLatch latch = new CountDownLatch(HANDSHAKES);
        serverHandshakes = latch;
        InetSocketAddress address = (InetSocketAddress) listener.localAddress();
        for (int i = 0; i < HANDSHAKES; i++) {
            if (!inFlight.tryAcquire(OP_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new IllegalStateException(contestant + ": no client closed within " + OP_TIMEOUT_SECONDS + " s");
            }
            clients.connect(address).addListener(connected -> {
                if (!connected.isSuccess()) {
                    failure.compareAndSet(null, connected.cause());
                    inFlight.release();
                    latch.countDown();
                }
            });
        }
        if (!latch.await(OP_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            throw new IllegalStateException(contestant + ": " + latch.getCount() + " of " + HANDSHAKES
                    + " server handshakes not done after " + OP_TIMEOUT_SECONDS + " s");
        }
        Throwable t = failure.getAndSet(null);
        if (t != null) {
            throw new IllegalStateException(contestant + ": a handshake failed: " + t, t);
        }
    }

    /** Drops whatever arrives after the handshake (session tickets come as TLS records, not here). */
    @ChannelHandler.Sharable
    static final class Discard extends ChannelInboundHandlerAdapter {
        static final Discard INSTANCE = new Discard();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // A client closing right after its Finished may reset a server still sending tickets.
            ctx.close();
        }
    }
}
