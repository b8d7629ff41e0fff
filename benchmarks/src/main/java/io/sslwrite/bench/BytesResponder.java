package io.sslwrite.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The application of {@link RealClientServer} and {@link SlowReaderServer}, the same behind every TLS handler, on
 * HTTP/1.1 ({@code HttpServerCodec}) and on each HTTP/2 stream ({@code Http2StreamFrameToHttpObjectCodec}):
 * {@code GET /bytes/N} answers N bytes of {@link #byteAt(long)}, streamed; {@code GET /file/N} the same bytes in
 * one response ({@link #respondWhole}); anything else is 404.
 *
 * <p>A body of up to {@value #CHUNK} bytes goes out as one full response. A longer one is written in
 * {@value #CHUNK}-byte pieces while the channel is writable and resumed by {@code channelWritabilityChanged},
 * as a server that streams must, so a slow reader holds a few pieces, not the whole body. Every piece is a
 * slice of one shared array: nothing is made or copied per response, so what each server spends beyond
 * the HTTP codec is its TLS handler's.
 *
 * <p>Responses are written as requests are read and flushed once per read batch ({@code channelReadComplete}),
 * as Netty's own HTTP/2 examples do.
 */
final class BytesResponder extends ChannelInboundHandlerAdapter {

    static final String BYTES_PATH = "/bytes/";
    static final String FILE_PATH = "/file/";
    static final int CHUNK = 64 * 1024;
    /** A prime, so the pattern does not line up with records, frames or pieces. */
    static final int PERIOD = 251;
    private static final byte[] PATTERN = new byte[CHUNK + PERIOD];

    static {
        for (int i = 0; i < PATTERN.length; i++) {
            PATTERN[i] = byteAt(i);
        }
    }

    /** What the servers count: requests answered, body bytes written, what went wrong. */
    static final class Counters {
        final AtomicLong requests = new AtomicLong();
        final AtomicLong bodyBytes = new AtomicLong();
        /** Responses whose connection or stream closed before their last byte was written. */
        final AtomicLong cutResponses = new AtomicLong();
        final AtomicLong failures = new AtomicLong();
        volatile String firstFailure;

        void failed(String why) {
            if (failures.getAndIncrement() == 0) {
                firstFailure = why;
            }
        }
    }

    private final Counters counters;
    private boolean streaming;
    private long sent;
    private long total;

    BytesResponder(Counters counters) {
        this.counters = counters;
    }

    /** Byte {@code offset} of every body: a client checks what it read against this. */
    static byte byteAt(long offset) {
        return (byte) (offset % PERIOD);
    }

    /** {@code length} bytes of the body from {@code offset}, a slice of the shared pattern. */
    static ByteBuf slice(long offset, int length) {
        return Unpooled.wrappedBuffer(PATTERN, (int) (offset % PERIOD), length);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof HttpRequest request) {
                respond(ctx, request);
            }
        } finally {
            // Request bodies (none is expected) and the last-content marker are dropped.
            ReferenceCountUtil.release(msg);
        }
    }

    private void respond(ChannelHandlerContext ctx, HttpRequest request) {
        if (request.uri().startsWith(FILE_PATH)) {
            respondWhole(ctx, parseLength(request.uri(), FILE_PATH));
            return;
        }
        long n = parseLength(request.uri(), BYTES_PATH);
        if (n < 0 || streaming) {
            FullHttpResponse notFound = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_FOUND);
            HttpUtil.setContentLength(notFound, 0);
            ctx.write(notFound).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
            return;
        }
        counters.requests.incrementAndGet();
        if (n <= CHUNK) {
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    slice(0, (int) n));
            setHeaders(response, n);
            ctx.write(response).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
            counters.bodyBytes.addAndGet(n);
            return;
        }
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        setHeaders(head, n);
        ctx.write(head).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        streaming = true;
        sent = 0;
        total = n;
        sendMore(ctx);
    }

    /**
     * {@code GET /file/N}: the whole body in one response, as a server answers from a file it keeps in memory,
     * without looking at writability. Every response is a slice of one shared array: the application holds no
     * copy per connection, so what a slow reader costs beyond it is the TLS handler's.
     */
    private void respondWhole(ChannelHandlerContext ctx, long n) {
        if (n < 0 || n > Whole.MAX) {
            FullHttpResponse notFound = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_FOUND);
            HttpUtil.setContentLength(notFound, 0);
            ctx.write(notFound).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
            return;
        }
        counters.requests.incrementAndGet();
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                Unpooled.wrappedBuffer(Whole.BODY, 0, (int) n));
        setHeaders(response, n);
        ctx.writeAndFlush(response).addListener(f -> {
            if (f.isSuccess()) {
                counters.bodyBytes.addAndGet(n);
            } else {
                counters.failed("response write: " + f.cause());
                ctx.close();
            }
        });
    }

    /** The body of {@code /file/N}, made once, on first use. */
    private static final class Whole {
        static final int MAX = 16 * 1024 * 1024;
        static final byte[] BODY = new byte[MAX];

        static {
            for (int i = 0; i < MAX; i++) {
                BODY[i] = byteAt(i);
            }
        }
    }

    private static void setHeaders(HttpResponse response, long length) {
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_OCTET_STREAM);
        HttpUtil.setContentLength(response, length);
    }

    private void sendMore(ChannelHandlerContext ctx) {
        while (streaming && ctx.channel().isWritable()) {
            int length = (int) Math.min(CHUNK, total - sent);
            HttpContent piece = sent + length == total
                    ? new DefaultLastHttpContent(slice(sent, length))
                    : new DefaultHttpContent(slice(sent, length));
            sent += length;
            counters.bodyBytes.addAndGet(length);
            ctx.write(piece).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
            if (sent == total) {
                streaming = false;
            }
        }
        ctx.flush();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (streaming && ctx.channel().isWritable()) {
            sendMore(ctx);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (streaming) {
            // A timed client stops mid-response when its time is up: counted, not a failure.
            counters.cutResponses.incrementAndGet();
            streaming = false;
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        counters.failed(String.valueOf(cause));
        ctx.close();
    }

    /** N of {@code PREFIX N}, or -1. */
    static long parseLength(String uri, String prefix) {
        if (!uri.startsWith(prefix)) {
            return -1;
        }
        String digits = uri.substring(prefix.length());
        if (digits.isEmpty() || digits.length() > 12 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return -1;
        }
        return Long.parseLong(digits);
    }
}
