package io.sslwrite.examples;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.sslwrite.SslWriteProtocolNegotiationHandler;

/**
 * The demo's pipeline for the protocol ALPN chose: {@code h2} gets Netty's HTTP/2 codec with one child
 * channel per stream, anything else (a client without ALPN included) HTTP/1.1.
 *
 * <p>Both serve the same routes through {@link DemoRequestHandler}: on HTTP/2 each stream's frames become
 * HTTP/1 objects ({@link Http2StreamFrameToHttpObjectCodec}), and a stream channel is writable while the
 * peer's flow-control window has room and the connection is writable. The connection's writability is the
 * TLS handler's: it counts the plaintext it holds, so HTTP/2's flow controller stops handing DATA frames
 * down when the client stops reading, and the handler encrypts only what the socket takes (DESIGN §4.3).
 */
final class DemoProtocolNegotiator extends SslWriteProtocolNegotiationHandler {

    private final String homePage;
    private final FileDirectory files;
    private final DemoMetrics metrics;

    DemoProtocolNegotiator(String homePage, FileDirectory files, DemoMetrics metrics) {
        super("http/1.1");
        this.homePage = homePage;
        this.files = files;
        this.metrics = metrics;
    }

    @Override
    protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
        if (protocol.equals("h2")) {
            ctx.pipeline().addLast(
                    Http2FrameCodecBuilder.forServer().build(),
                    new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
                        @Override
                        protected void initChannel(Http2StreamChannel stream) {
                            stream.pipeline().addLast(
                                    new Http2StreamFrameToHttpObjectCodec(true),
                                    new ChunkedWriteHandler(),
                                    new DemoRequestHandler(homePage, files, metrics, false));
                        }
                    }));
        } else {
            ctx.pipeline().addLast(
                    new HttpServerCodec(),
                    new HttpServerKeepAliveHandler(),
                    new HttpServerExpectContinueHandler(),
                    new DemoRequestHandler(homePage, files, metrics));
        }
    }
}
