package io.sslwrite.jpmsconsumer;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.sslwrite.SslWriteContext;
import io.sslwrite.SslWriteHandler;
import io.sslwrite.SslWriteSession;

import java.io.File;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Starts an sslwrite server and client on the loopback interface, runs one TLS handshake, sends a
 * message through the server's echo and prints one line that the test checks. Any failure ends the
 * program with a non-zero status and a stack trace.
 *
 * <p>Arguments: the server's certificate chain PEM, its private key PEM, the CA PEM that the client
 * trusts. The server certificate must name {@code localhost}.
 */
public final class Main {

    private static final String MESSAGE = "hello from the module path";

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            throw new IllegalArgumentException("usage: Main CHAIN_PEM KEY_PEM CA_PEM (got " + args.length + " arguments)");
        }
        Module module = SslWriteHandler.class.getModule();
        if (!module.isNamed() || !"io.sslwrite".equals(module.getName())) {
            throw new AssertionError("SslWriteHandler was loaded from " + module + ", not from the module io.sslwrite");
        }

        SslWriteContext serverTls = SslWriteContext.forServer(new File(args[0]), new File(args[1])).build();
        SslWriteContext clientTls = SslWriteContext.forClient().trustManager(new File(args[2])).build();

        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            Channel server = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(serverTls.newHandler(ch.alloc()), new Echo());
                        }
                    })
                    .bind(InetAddress.getLoopbackAddress(), 0).sync().channel();
            int port = ((InetSocketAddress) server.localAddress()).getPort();

            CompletableFuture<String> echoed = new CompletableFuture<>();
            Channel client = new Bootstrap()
                    .group(group)
                    .channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(clientTls.newHandler(ch.alloc(), "localhost", port),
                                    new Collect(MESSAGE.length(), echoed));
                        }
                    })
                    .connect(InetAddress.getLoopbackAddress(), port).sync().channel();

            SslWriteHandler tls = client.pipeline().get(SslWriteHandler.class);
            // Hang guards only: a healthy run takes well under a second.
            if (!tls.handshakeFuture().await(60, TimeUnit.SECONDS)) {
                throw new AssertionError("no handshake within 60 s");
            }
            if (!tls.handshakeFuture().isSuccess()) {
                throw new AssertionError("handshake failed", tls.handshakeFuture().cause());
            }
            client.writeAndFlush(Unpooled.copiedBuffer(MESSAGE, StandardCharsets.US_ASCII)).sync();
            String reply = echoed.get(60, TimeUnit.SECONDS);

            SslWriteSession session = tls.session();
            System.out.println("module " + module.getName() + ": " + session.protocol() + " "
                    + session.cipherSuite() + ", echoed: " + reply);
            client.close().sync();
            server.close().sync();
        } finally {
            group.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
        }
    }

    /** Writes back what it reads. */
    private static final class Echo extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.writeAndFlush(msg);
        }
    }

    /** Completes {@code result} with the first {@code length} bytes read, as ASCII. */
    private static final class Collect extends SimpleChannelInboundHandler<ByteBuf> {
        private final StringBuilder text = new StringBuilder();
        private final int length;
        private final CompletableFuture<String> result;

        Collect(int length, CompletableFuture<String> result) {
            this.length = length;
            this.result = result;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
            text.append(msg.toString(StandardCharsets.US_ASCII));
            if (text.length() >= length) {
                result.complete(text.toString());
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            result.completeExceptionally(cause);
            ctx.close();
        }
    }
}
