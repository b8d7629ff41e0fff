package io.sslwrite.examples;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.sslwrite.SslWriteContext;
import io.sslwrite.SslWriteHandler;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The client side of {@link EchoServer}: connects with SNI and host-name verification for the host it dials
 * ({@code newHandler(alloc, host, port)}), sends each line typed on stdin and prints what comes back; at the
 * end of stdin it closes, which sends close_notify.
 *
 * <pre>
 * java io.sslwrite.examples.EchoClient [--host localhost] [--port 8007] [--cacert CA.pem]
 * </pre>
 *
 * Without {@code --cacert} it trusts the JDK's default trust store. From code: {@link #echo}.
 */
public final class EchoClient {

    private EchoClient() {
    }

    /** The context of a client that trusts the CA certificates of {@code caPem} (null: the JDK's defaults). */
    static SslWriteContext context(Path caPem) throws Exception {
        SslWriteContext.Builder b = SslWriteContext.forClient();
        if (caPem != null) {
            b.trustManager(caPem);
        }
        return b.build();
    }

    /**
     * Connects to {@code host:port}, sends {@code message}, waits until as many bytes have come back, closes
     * (sending close_notify) and returns them.
     *
     * @throws Exception the handshake's failure (for example a certificate that is not for {@code host}), or
     *                   the connection's if it ends before the echo is complete
     */
    public static byte[] echo(String host, int port, SslWriteContext context, byte[] message) throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            CompletableFuture<byte[]> echoed = new CompletableFuture<>();
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            Channel channel = connect(group, host, port, context, new SimpleChannelInboundHandler<ByteBuf>() {
                @Override
                protected void channelRead0(ChannelHandlerContext ctx, ByteBuf in) throws IOException {
                    in.readBytes(received, in.readableBytes());
                    if (received.size() >= message.length) {
                        echoed.complete(received.toByteArray());
                    }
                }

                @Override
                public void channelInactive(ChannelHandlerContext ctx) {
                    echoed.completeExceptionally(new IllegalStateException("connection closed after "
                            + received.size() + " of " + message.length + " bytes"));
                }
            });
            channel.writeAndFlush(Unpooled.wrappedBuffer(message));
            try {
                return echoed.get(1, TimeUnit.MINUTES);
            } finally {
                channel.close().sync();
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /**
     * Connects and completes the handshake; {@code reader} gets the plaintext the server sends.
     *
     * @throws Exception the handshake's failure, for example a certificate that is not for {@code host}
     */
    static Channel connect(EventLoopGroup group, String host, int port, SslWriteContext context,
                           ChannelInboundHandler reader) throws Exception {
        Channel channel = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        // SNI and host-name verification (RFC 6125) for the host dialled.
                        ch.pipeline().addLast(context.newHandler(ch.alloc(), host, port), reader);
                    }
                })
                .connect(host, port).sync().channel();
        channel.pipeline().get(SslWriteHandler.class).handshakeFuture().sync();
        return channel;
    }

    public static void main(String[] args) throws Exception {
        String host = "localhost";
        int port = EchoServer.DEFAULT_PORT;
        Path ca = null;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--host" -> host = args[i + 1];
                case "--port" -> port = Integer.parseInt(args[i + 1]);
                case "--cacert" -> ca = Path.of(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + " (usage: EchoClient [--host H] [--port P] [--cacert CA.pem])");
            }
        }
        SslWriteContext context = context(ca);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            Channel channel = connect(group, host, port, context, new SimpleChannelInboundHandler<ByteBuf>() {
                @Override
                protected void channelRead0(ChannelHandlerContext ctx, ByteBuf in) {
                    System.out.print(in.toString(StandardCharsets.UTF_8));
                    System.out.flush();
                }
            });
            System.err.println("connected: " + channel.pipeline().get(SslWriteHandler.class).session());
            BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line; (line = stdin.readLine()) != null && channel.isActive(); ) {
                channel.writeAndFlush(Unpooled.copiedBuffer(line + "\n", StandardCharsets.UTF_8));
            }
            channel.close().sync();     // sends close_notify after the last line
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
