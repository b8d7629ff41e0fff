package io.sslwrite.examples;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.sslwrite.SslWriteContext;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The smallest complete sslwrite server: whatever a client sends comes back, over TLS. The TLS part is two
 * lines, a context built once and a handler per channel; the rest is Netty as usual.
 *
 * <pre>
 * java io.sslwrite.examples.EchoServer [--port 8007] [--cert chain.pem --key key.pem]
 * java io.sslwrite.examples.EchoClient --port 8007 --cacert CA.pem     (the server prints the exact line)
 * </pre>
 *
 * Without {@code --cert}/{@code --key} it makes a CA and a certificate for localhost, as the HTTPS demo does.
 */
public final class EchoServer implements AutoCloseable {

    public static final int DEFAULT_PORT = 8007;

    private final EventLoopGroup group;
    private final Channel serverChannel;
    private final DemoCertificate demoCertificate;

    private EchoServer(EventLoopGroup group, Channel serverChannel, DemoCertificate demoCertificate) {
        this.group = group;
        this.serverChannel = serverChannel;
        this.demoCertificate = demoCertificate;
    }

    /**
     * Starts an echo server on the loopback address.
     *
     * @param port    0 for any free port
     * @param context the server's TLS configuration, or null for a throw-away certificate for localhost
     */
    public static EchoServer start(int port, SslWriteContext context) throws Exception {
        DemoCertificate demoCertificate = null;
        if (context == null) {
            demoCertificate = DemoCertificate.create();
            context = SslWriteContext.forServer(demoCertificate.chainPem(), demoCertificate.keyPem()).build();
        }
        SslWriteContext tls = context;
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(NioIoHandler.newFactory());
        try {
            Channel channel = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(tls.newHandler(ch.alloc()), new Echo());
                        }
                    })
                    .bind(InetAddress.getLoopbackAddress(), port).sync().channel();
            return new EchoServer(group, channel, demoCertificate);
        } catch (Exception | Error e) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            if (demoCertificate != null) {
                demoCertificate.close();
            }
            throw e;
        }
    }

    public int port() {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    /** The CA of the certificate made at start-up, or null if the server was given a context. */
    public Path caCertificate() {
        return demoCertificate == null ? null : demoCertificate.caPem();
    }

    @Override
    public void close() {
        serverChannel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
        if (demoCertificate != null) {
            demoCertificate.close();
        }
    }

    /**
     * Writes back what it reads. A client that sends faster than it reads would otherwise make the server
     * hold everything: the TLS handler counts the plaintext it queues toward the channel's writability, so
     * reading stops while the channel is not writable and resumes when it is.
     */
    static final class Echo extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
            ctx.channel().config().setAutoRead(ctx.channel().isWritable());
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            ctx.channel().config().setAutoRead(ctx.channel().isWritable());
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            System.err.println("echo server: closing " + ctx.channel().remoteAddress() + ": " + cause.getMessage());
            ctx.close();
        }
    }

    public static void main(String[] args) throws Exception {
        int port = DEFAULT_PORT;
        Path cert = null;
        Path key = null;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[i + 1]);
                case "--cert" -> cert = Path.of(args[i + 1]);
                case "--key" -> key = Path.of(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + " (usage: EchoServer [--port P] [--cert chain.pem --key key.pem])");
            }
        }
        SslWriteContext context = cert == null ? null : SslWriteContext.forServer(cert, key).build();
        EchoServer server = start(port, context);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "echo-server-shutdown"));
        System.out.println("sslwrite echo server on localhost:" + server.port() + "; try:\n  java -cp <classpath>"
                + " io.sslwrite.examples.EchoClient --port " + server.port()
                + (server.caCertificate() == null ? " --cacert CA.pem" : " --cacert " + server.caCertificate())
                + "\nor: openssl s_client -connect localhost:" + server.port()
                + (server.caCertificate() == null ? "" : " -CAfile " + server.caCertificate()));
        server.serverChannel.closeFuture().sync();
    }
}
