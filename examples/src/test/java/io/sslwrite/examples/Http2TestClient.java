package io.sslwrite.examples;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.util.concurrent.ScheduledFuture;
import io.sslwrite.SslWriteContext;
import io.sslwrite.SslWriteHandler;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Netty's HTTP/2 client ({@code Http2FrameCodec} and {@code Http2MultiplexHandler}) over an sslwrite client
 * handler that offers only {@code h2} by ALPN and verifies {@code localhost} against the test CA. Each
 * {@link #get} opens a stream and hashes the DATA it receives.
 */
final class Http2TestClient implements AutoCloseable {

    /** HTTP/2's initial window (RFC 9113 §6.9.2). */
    private static final int DEFAULT_WINDOW = 65_535;

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel channel;
    private final SslWriteHandler tls;
    private final int port;
    private ScheduledFuture<?> pacer;

    /**
     * Connects and completes the handshake.
     *
     * @param window     the flow-control window the client grants, per stream and for the connection
     * @param readBytes  0 to read the socket as fast as it fills; otherwise read at most this many bytes at a
     *                   time, one read per millisecond, with a receive buffer of that size: a slow reader
     */
    static Http2TestClient connect(int port, SslWriteContext context, int window, int readBytes) throws Exception {
        return new Http2TestClient(port, context, window, readBytes);
    }

    private Http2TestClient(int port, SslWriteContext context, int window, int readBytes) throws Exception {
        this.port = port;
        SslWriteHandler[] handler = new SslWriteHandler[1];
        Bootstrap bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        handler[0] = context.newHandler(ch.alloc(), "localhost", port);
                        ch.pipeline().addLast(handler[0],
                                Http2FrameCodecBuilder.forClient()
                                        .initialSettings(Http2Settings.defaultSettings().initialWindowSize(window))
                                        .build(),
                                new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
                    }
                });
        if (readBytes > 0) {
            bootstrap.option(ChannelOption.AUTO_READ, false)
                    .option(ChannelOption.SO_RCVBUF, readBytes)
                    .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(readBytes));
        }
        channel = bootstrap.connect(InetAddress.getLoopbackAddress(), port).sync().channel();
        tls = handler[0];
        if (readBytes > 0) {
            pacer = channel.eventLoop().scheduleAtFixedRate(channel::read, 1, 1, TimeUnit.MILLISECONDS);
        }
        tls.handshakeFuture().sync();
        if (window > DEFAULT_WINDOW) {
            // SETTINGS sets the streams' windows; the connection's grows only by WINDOW_UPDATE on stream 0.
            channel.writeAndFlush(new DefaultHttp2WindowUpdateFrame(window - DEFAULT_WINDOW)).sync();
        }
    }

    SslWriteHandler tls() {
        return tls;
    }

    /** Opens a stream and sends {@code GET path}; {@code autoRead} false leaves its frames unread until asked. */
    Response get(String path, boolean autoRead) throws Exception {
        Response response = new Response();
        Http2StreamChannel stream = new Http2StreamChannelBootstrap(channel)
                .option(ChannelOption.AUTO_READ, autoRead)
                .handler(response)
                .open().sync().getNow();
        response.stream = stream;
        stream.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers()
                .method("GET").scheme("https").authority("localhost:" + port).path(path), true)).sync();
        return response;
    }

    @Override
    public void close() {
        if (pacer != null) {
            pacer.cancel(false);
        }
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** One stream's response: its status, the number and SHA-256 of its body bytes. */
    static final class Response extends SimpleChannelInboundHandler<Http2StreamFrame> {
        final CompletableFuture<Response> done = new CompletableFuture<>();
        final CompletableFuture<Void> firstData = new CompletableFuture<>();
        private final MessageDigest sha256;
        private Http2StreamChannel stream;
        private volatile String status;
        private volatile long bytes;
        private volatile String hash;

        Response() throws NoSuchAlgorithmException {
            sha256 = MessageDigest.getInstance("SHA-256");
        }

        String status() {
            return status;
        }

        long bytes() {
            return bytes;
        }

        String sha256() {
            return hash;
        }

        /** Reads what the stream holds now and what arrives, from here on. */
        void readAll() {
            stream.eventLoop().execute(() -> {
                stream.config().setAutoRead(true);
                stream.read();
            });
        }

        /** With autoRead off: reads until the first DATA frame has arrived, then stops. */
        void readUntilFirstData() {
            stream.eventLoop().execute(stream::read);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Http2StreamFrame frame) {
            boolean end = false;
            if (frame instanceof Http2HeadersFrame headers) {
                if (headers.headers().status() != null) {
                    status = headers.headers().status().toString();
                }
                end = headers.isEndStream();
            } else if (frame instanceof Http2DataFrame data) {
                ByteBuffer bodyBytes = data.content().nioBuffer();
                bytes += bodyBytes.remaining();
                sha256.update(bodyBytes);
                firstData.complete(null);
                end = data.isEndStream();
            }
            if (end) {
                hash = HexFormat.of().formatHex(sha256.digest());
                done.complete(this);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (!ctx.channel().config().isAutoRead() && !firstData.isDone()) {
                ctx.read();
            }
            ctx.fireChannelReadComplete();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            done.completeExceptionally(new IllegalStateException("stream closed before its end, after " + bytes
                    + " bytes, status " + status));
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            done.completeExceptionally(cause);
            ctx.close();
        }
    }
}
