package io.sslwrite.examples;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.DefaultFileRegion;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.stream.ChunkedNioFile;
import io.netty.util.ReferenceCountUtil;

import java.io.IOException;

import static io.netty.handler.codec.http.HttpVersion.HTTP_1_1;

/**
 * The demo's routes, for one connection. It sits after the HTTP/1.1 codec, so it sees each request as an
 * {@link HttpRequest} followed by {@link HttpContent} pieces, and answers in pieces too: no response is
 * ever held whole in memory.
 *
 * <ul>
 *   <li>{@code GET /bytes/N}: N bytes of {@link BodyPattern}, 64 KiB at a time, made only while
 *       {@code channel.isWritable()}; {@code channelWritabilityChanged} resumes it.</li>
 *   <li>{@code POST /echo}: the request body back, piece by piece as it arrives; reading pauses while the
 *       channel is not writable, so a client that uploads faster than it downloads is slowed down rather
 *       than buffered.</li>
 *   <li>{@code GET /files/NAME}: the regular file NAME of the {@code --files} directory ({@link FileDirectory}
 *       decides which names are served), as one {@link DefaultFileRegion} written straight through the codec,
 *       which passes it on unchanged, to the TLS handler, which reads it record by record as the transport
 *       takes them. Without {@code --files}: 404 saying so.</li>
 *   <li>{@code GET /metrics}: the TLS statistics of the server's context in the Prometheus text format
 *       ({@link DemoMetrics}).</li>
 *   <li>{@code GET /}: a short page naming the routes. Anything else: 404 (405 for a known path with the
 *       wrong method, 400 for a request the codec could not parse).</li>
 * </ul>
 *
 * <p>Requests on one connection are answered in order: while a {@code /bytes} or {@code /files} body is being
 * sent, the connection reads nothing, so a pipelined next request waits in the socket until this one is done.
 * Keep-alive and {@code Connection: close} are {@code HttpServerKeepAliveHandler}'s business, and
 * {@code Expect: 100-continue} (curl sends it for large uploads) is {@code HttpServerExpectContinueHandler}'s.
 */
final class DemoRequestHandler extends ChannelInboundHandlerAdapter {

    /** What to do with the body pieces of the request being read. */
    private enum Body { ECHO, DISCARD }

    private final String homePage;

    /** The directory of {@code /files/NAME}, or null when the server was started without one. */
    private final FileDirectory files;

    /** The TLS statistics {@code GET /metrics} shows. */
    private final DemoMetrics metrics;

    /**
     * Whether files go out as one {@link DefaultFileRegion} (HTTP/1.1: the codec passes it through to the TLS
     * handler) or as 64 KiB chunks read by a {@code ChunkedWriteHandler} (HTTP/2: a stream carries only frames).
     */
    private final boolean fileRegions;

    private Body body = Body.DISCARD;

    /** Whether a {@code /bytes} body is being sent: {@link #bytesSent} of {@link #bytesTotal}. */
    private boolean streaming;
    private long bytesSent;
    private long bytesTotal;

    /** Whether a {@code /files} body is being sent: from its response head until its last write completes. */
    private boolean sendingFile;

    /**
     * @param homePage the text of {@code GET /}, made once by the server since it names the port and the CA file
     * @param files    the directory {@code /files/NAME} serves, or null for none
     * @param metrics  what {@code GET /metrics} shows
     */
    DemoRequestHandler(String homePage, FileDirectory files, DemoMetrics metrics) {
        this(homePage, files, metrics, true);
    }

    /**
     * @param fileRegions false on an HTTP/2 stream, whose pipeline must then hold a {@code ChunkedWriteHandler}
     */
    DemoRequestHandler(String homePage, FileDirectory files, DemoMetrics metrics, boolean fileRegions) {
        this.homePage = homePage;
        this.files = files;
        this.metrics = metrics;
        this.fileRegions = fileRegions;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request) {
            // A message can be both request and content only when the codec reports a malformed request.
            if (request.decoderResult().isFailure()) {
                ReferenceCountUtil.release(msg);
                sendAndClose(ctx, HttpResponseStatus.BAD_REQUEST,
                        "could not parse the request: " + request.decoderResult().cause().getMessage() + "\n");
                return;
            }
            route(ctx, request);
        }
        if (msg instanceof HttpContent content) {
            if (body == Body.ECHO) {
                echo(ctx, content);
            } else {
                content.release();
            }
            if (content instanceof LastHttpContent) {
                body = Body.DISCARD;
            }
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // One flush per read batch: the echoed pieces of one socket read go out together.
        ctx.flush();
        updateAutoRead(ctx);
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (streaming && ctx.channel().isWritable()) {
            sendMoreBytes(ctx);
        }
        updateAutoRead(ctx);
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        streaming = false;
        sendingFile = false;
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A demo has no one to tell but its console; a client that goes away mid-response is no error worth more.
        System.err.println("sslwrite demo: closing " + ctx.channel().remoteAddress() + ": " + cause);
        ctx.close();
    }

    private void route(ChannelHandlerContext ctx, HttpRequest request) {
        String path;
        try {
            path = new QueryStringDecoder(request.uri()).path();
        } catch (IllegalArgumentException e) {
            // A bad percent-escape, such as "%zz" or a lone "%".
            send(ctx, HttpResponseStatus.BAD_REQUEST, "could not decode the path: " + e.getMessage() + "\n");
            return;
        }
        HttpMethod method = request.method();
        if (path.equals("/")) {
            if (method.equals(HttpMethod.GET)) {
                send(ctx, HttpResponseStatus.OK, homePage);
            } else {
                sendMethodNotAllowed(ctx, "GET");
            }
        } else if (path.equals("/metrics")) {
            if (method.equals(HttpMethod.GET)) {
                send(ctx, HttpResponseStatus.OK, DemoMetrics.CONTENT_TYPE, metrics.scrape());
            } else {
                sendMethodNotAllowed(ctx, "GET");
            }
        } else if (path.equals("/echo")) {
            if (method.equals(HttpMethod.POST)) {
                startEcho(ctx, request);
            } else {
                sendMethodNotAllowed(ctx, "POST");
            }
        } else if (path.startsWith("/bytes/")) {
            long n = parseLength(path.substring("/bytes/".length()));
            if (n < 0) {
                send(ctx, HttpResponseStatus.BAD_REQUEST,
                        "GET /bytes/N wants N as a decimal number of bytes, 0 or more; got " + path + "\n");
            } else if (method.equals(HttpMethod.GET)) {
                startBytes(ctx, n);
            } else {
                sendMethodNotAllowed(ctx, "GET");
            }
        } else if (path.startsWith("/files/")) {
            if (method.equals(HttpMethod.GET)) {
                sendFile(ctx, path.substring("/files/".length()));
            } else {
                sendMethodNotAllowed(ctx, "GET");
            }
        } else {
            send(ctx, HttpResponseStatus.NOT_FOUND, "no such page: " + path + " (see / for what is here)\n");
        }
    }

    // ---- GET /bytes/N ----

    private void startBytes(ChannelHandlerContext ctx, long n) {
        HttpResponse response = new DefaultHttpResponse(HTTP_1_1, HttpResponseStatus.OK);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_OCTET_STREAM);
        HttpUtil.setContentLength(response, n);
        ctx.write(response).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        streaming = true;
        bytesSent = 0;
        bytesTotal = n;
        updateAutoRead(ctx);
        sendMoreBytes(ctx);
    }

    /**
     * Writes chunks while the channel is writable, then flushes. When the transport is full the TLS handler
     * keeps our chunks as plaintext and counts them against writability, so {@code isWritable()} turns false
     * after about a high water mark's worth and the loop stops; the next chunk is made only when
     * {@code channelWritabilityChanged} says there is room again. Memory per connection stays at a few chunks,
     * whatever N is.
     */
    private void sendMoreBytes(ChannelHandlerContext ctx) {
        while (streaming && ctx.channel().isWritable()) {
            if (bytesSent == bytesTotal) {
                streaming = false;
                ctx.write(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
                updateAutoRead(ctx);
                break;
            }
            int length = (int) Math.min(BodyPattern.CHUNK_SIZE, bytesTotal - bytesSent);
            // The channel's allocator is pooled: each 64 KiB chunk goes back to the pool when its write completes.
            ByteBuf chunk = ctx.alloc().buffer(length);
            BodyPattern.write(chunk, bytesSent, length);
            bytesSent += length;
            ctx.write(new DefaultHttpContent(chunk)).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        }
        ctx.flush();
    }

    // ---- GET /files/NAME ----

    /**
     * Sends the file as three writes: the response head with its length, one {@link DefaultFileRegion} of the
     * whole file, and the empty last content that ends the response. The codec passes the region through as it
     * is; the TLS handler reads only the plaintext of the records it is about to encrypt, and only while the
     * transport has room, so a file of any size costs about one batch of memory however slow the client is.
     * The region closes the file when the handler releases it, once the write has completed or failed.
     */
    private void sendFile(ChannelHandlerContext ctx, String name) {
        if (files == null) {
            send(ctx, HttpResponseStatus.NOT_FOUND,
                    "no files are served: start the server with --files DIR to serve the files of DIR here\n");
            return;
        }
        FileDirectory.Lookup lookup = files.open(name);
        if (lookup instanceof FileDirectory.Refused refused) {
            send(ctx, refused.status(), refused.message());
            return;
        }
        FileDirectory.Found file = (FileDirectory.Found) lookup;
        HttpResponse response = new DefaultHttpResponse(HTTP_1_1, HttpResponseStatus.OK);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_OCTET_STREAM);
        HttpUtil.setContentLength(response, file.size());
        sendingFile = true;
        updateAutoRead(ctx);
        ctx.write(response).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        ChannelFuture last;
        if (fileRegions) {
            // From here on the region owns the file channel: whoever ends the write releases it, which closes it.
            ctx.write(new DefaultFileRegion(file.channel(), 0, file.size()))
                    .addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
            last = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        } else {
            ChunkedNioFile chunks;
            try {
                chunks = new ChunkedNioFile(file.channel(), 0, file.size(), BodyPattern.CHUNK_SIZE);
            } catch (IOException e) {
                // The head is on its way: all that is left to say it failed is to end the stream.
                closeQuietly(file.channel());
                ctx.close();
                return;
            }
            // The chunked input ends with the last content and closes the file when it is done or dropped.
            last = ctx.writeAndFlush(new HttpChunkedInput(chunks));
        }
        last.addListener((ChannelFutureListener) done -> {
            sendingFile = false;
            if (done.isSuccess()) {
                updateAutoRead(ctx);
            } else {
                ctx.close();
            }
        });
    }

    private static void closeQuietly(java.nio.channels.FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing more to do for a file we could not read
        }
    }

    // ---- POST /echo ----

    private void startEcho(ChannelHandlerContext ctx, HttpRequest request) {
        HttpResponse response = new DefaultHttpResponse(HTTP_1_1, HttpResponseStatus.OK);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_OCTET_STREAM);
        // The response is as long as the request: say so up front when the client did, else go chunked.
        if (HttpUtil.isContentLengthSet(request)) {
            HttpUtil.setContentLength(response, HttpUtil.getContentLength(request, 0L));
        } else if (HttpUtil.isTransferEncodingChunked(request)) {
            HttpUtil.setTransferEncodingChunked(response, true);
        } else {
            HttpUtil.setContentLength(response, 0);
        }
        ctx.write(response).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        body = Body.ECHO;
    }

    /** Sends {@code content}'s bytes back; its buffer passes to the write, which releases it once sent. */
    private static void echo(ChannelHandlerContext ctx, HttpContent content) {
        HttpContent reply = content instanceof LastHttpContent
                ? new DefaultLastHttpContent(content.content())
                : new DefaultHttpContent(content.content());
        ctx.write(reply).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    }

    // ---- small responses ----

    private static void send(ChannelHandlerContext ctx, HttpResponseStatus status, String text) {
        ctx.write(textResponse(ctx, status, text)).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    }

    private static void send(ChannelHandlerContext ctx, HttpResponseStatus status, String contentType, String text) {
        FullHttpResponse response = textResponse(ctx, status, text);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        ctx.write(response).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    }

    private static void sendMethodNotAllowed(ChannelHandlerContext ctx, String allowed) {
        FullHttpResponse response = textResponse(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED,
                "this path answers " + allowed + " only\n");
        response.headers().set(HttpHeaderNames.ALLOW, allowed);
        ctx.write(response).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    }

    private static void sendAndClose(ChannelHandlerContext ctx, HttpResponseStatus status, String text) {
        FullHttpResponse response = textResponse(ctx, status, text);
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    private static FullHttpResponse textResponse(ChannelHandlerContext ctx, HttpResponseStatus status, String text) {
        ByteBuf content = ByteBufUtil.writeUtf8(ctx.alloc(), text);
        FullHttpResponse response = new DefaultFullHttpResponse(HTTP_1_1, status, content);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        HttpUtil.setContentLength(response, content.readableBytes());
        return response;
    }

    /**
     * Reads while no {@code /bytes} or {@code /files} body is being sent and the channel is writable. The last
     * condition is the echo's back-pressure: a client that keeps uploading while not reading its echo stops
     * being read.
     */
    private void updateAutoRead(ChannelHandlerContext ctx) {
        ctx.channel().config().setAutoRead(!streaming && !sendingFile && ctx.channel().isWritable());
    }

    /** N of {@code /bytes/N}, or -1 if it is not a plain decimal number that fits in a long. */
    private static long parseLength(String digits) {
        if (digits.isEmpty() || digits.length() > 18 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return -1;
        }
        return Long.parseLong(digits);
    }
}
