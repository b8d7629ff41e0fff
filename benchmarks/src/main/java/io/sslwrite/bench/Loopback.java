package io.sslwrite.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One TLS connection over real NIO sockets on 127.0.0.1, server and client each on an event loop
 * of its own thread: the two threads a 2-core machine has, so each side gets a core.
 */
final class Loopback implements AutoCloseable {

    private static final long CONNECT_TIMEOUT_SECONDS = 20;

    /** Each side of the test on its own single-threaded NIO event loop, made once per trial. */
    static final class Loops implements AutoCloseable {
        final EventLoopGroup server = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        final EventLoopGroup client = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

        @Override
        public void close() {
            Future<?> s = server.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            Future<?> c = client.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            s.syncUninterruptibly();
            c.syncUninterruptibly();
        }
    }

    /** What a side puts in its pipeline around its TLS handler; {@code head} may be {@code null}. */
    static final class Side {
        final ChannelHandler head;
        final ChannelHandler app;
        final Map<ChannelOption<?>, Object> options;

        Side(ChannelHandler head, ChannelHandler app, Map<ChannelOption<?>, Object> options) {
            this.head = head;
            this.app = app;
            this.options = options;
        }
    }

    final Channel serverChannel;
    final Channel client;
    final Channel server;
    final ChannelHandler clientTls;
    final ChannelHandler serverTls;

    private Loopback(Channel serverChannel, Channel client, Channel server, ChannelHandler clientTls, ChannelHandler serverTls) {
        this.serverChannel = serverChannel;
        this.client = client;
        this.server = server;
        this.clientTls = clientTls;
        this.serverTls = serverTls;
    }

    /** Connects, and returns once both sides have completed the handshake. */
    static Loopback open(Loops loops, Tls tls, ByteBufAllocator alloc, Side serverSide, Side clientSide) throws Exception {
        Promise<Channel> accepted = loops.server.next().newPromise();
        ChannelHandler[] serverTls = new ChannelHandler[1];
        ServerBootstrap sb = new ServerBootstrap()
                .group(loops.server)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.ALLOCATOR, alloc)
                .childOption(ChannelOption.ALLOCATOR, alloc)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        serverTls[0] = tls.newServerHandler(ch.alloc());
                        addAll(ch.pipeline(), serverSide, serverTls[0]);
                        accepted.trySuccess(ch);
                    }
                });
        serverSide.options.forEach((option, value) -> sb.childOption(option(option), value));
        Channel serverChannel = sb.bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();

        ChannelHandler[] clientTls = new ChannelHandler[1];
        Bootstrap cb = new Bootstrap()
                .group(loops.client)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.ALLOCATOR, alloc)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        clientTls[0] = tls.newClientHandler(ch.alloc());
                        addAll(ch.pipeline(), clientSide, clientTls[0]);
                    }
                });
        clientSide.options.forEach((option, value) -> cb.option(option(option), value));
        try {
            Channel client = cb.connect(serverChannel.localAddress()).sync().channel();
            Channel server = accepted.get(CONNECT_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            Loopback loopback = new Loopback(serverChannel, client, server, clientTls[0], serverTls[0]);
            for (ChannelHandler h : new ChannelHandler[] {clientTls[0], serverTls[0]}) {
                Future<Channel> done = Handlers.handshakeFuture(h);
                if (!done.await(CONNECT_TIMEOUT_SECONDS, TimeUnit.SECONDS) || !done.isSuccess()) {
                    loopback.close();
                    throw new IllegalStateException(tls.contestant + ": loopback handshake "
                            + (done.isDone() ? "failed: " + done.cause() : "timed out"), done.cause());
                }
            }
            return loopback;
        } catch (Exception e) {
            serverChannel.close().syncUninterruptibly();
            throw e;
        }
    }

    private static void addAll(ChannelPipeline p, Side side, ChannelHandler tls) {
        if (side.head != null) {
            p.addLast(side.head);
        }
        p.addLast(tls, side.app);
    }

    @SuppressWarnings("unchecked")
    private static <T> ChannelOption<T> option(ChannelOption<?> option) {
        return (ChannelOption<T>) option;
    }

    @Override
    public void close() {
        client.close().syncUninterruptibly();
        server.close().syncUninterruptibly();
        serverChannel.close().syncUninterruptibly();
    }
}
