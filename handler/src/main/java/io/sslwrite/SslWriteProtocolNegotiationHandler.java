package io.sslwrite;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import java.util.ArrayDeque;
import java.util.Objects;

/**
 * Sets up the pipeline for the protocol ALPN (RFC 7301) negotiated, the counterpart of Netty's
 * {@code ApplicationProtocolNegotiationHandler}, which looks for an {@code SslHandler} and so cannot see an
 * {@link SslWriteHandler} (DESIGN §3.1). Put it right after the {@link SslWriteHandler}:
 *
 * <pre>{@code
 * ch.pipeline().addLast(context.newHandler(ch.alloc()), new SslWriteProtocolNegotiationHandler("http/1.1") {
 *     protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
 *         if (protocol.equals("h2")) {
 *             ctx.pipeline().addLast(Http2FrameCodecBuilder.forServer().build(), new Http2MultiplexHandler(streams));
 *         } else {
 *             ctx.pipeline().addLast(new HttpServerCodec(), new MyHttp1Handler());
 *         }
 *     }
 * });
 * }</pre>
 *
 * <p>It acts on the first {@link SslHandshakeCompletionEvent} and then removes itself:
 * <ul>
 *   <li>success: {@link #configurePipeline} with the negotiated protocol, or the fallback when the peer
 *       offered no ALPN or the context has none;</li>
 *   <li>failure: {@link #handshakeFailure}, which closes the channel;</li>
 *   <li>{@code configurePipeline} throwing: the exception goes to {@code exceptionCaught} of the handlers
 *       after this one, then the channel closes, since the pipeline is half set up.</li>
 * </ul>
 * The {@link SslWriteHandler} fires the event before the first {@code channelRead} (DESIGN §4.2), so nothing
 * should arrive before it; should a handler before this one fire reads of its own, they are held and passed
 * on, in order, once the pipeline is configured.
 */
public abstract class SslWriteProtocolNegotiationHandler extends ChannelInboundHandlerAdapter {

    private static final InternalLogger logger = InternalLoggerFactory.getInstance(SslWriteProtocolNegotiationHandler.class);

    private final String fallbackProtocol;
    /** Reads that arrived before the handshake event; passed on once the pipeline is set up. */
    private final ArrayDeque<Object> heldReads = new ArrayDeque<>(1);
    private ChannelHandlerContext ctx;
    private boolean done;

    /**
     * @param fallbackProtocol the protocol to set up when none was negotiated, e.g. "http/1.1"
     */
    protected SslWriteProtocolNegotiationHandler(String fallbackProtocol) {
        this.fallbackProtocol = Objects.requireNonNull(fallbackProtocol, "fallbackProtocol");
    }

    /**
     * Adds the handlers for {@code protocol} to the pipeline, after this handler (which removes itself when
     * this returns).
     *
     * @param ctx this handler's context
     * @param protocol the ALPN protocol the handshake agreed on, or the fallback protocol
     * @throws Exception whatever setting up the pipeline throws; it goes to {@code exceptionCaught}
     */
    protected abstract void configurePipeline(ChannelHandlerContext ctx, String protocol) throws Exception;

    /**
     * Called for a failed handshake; closes the channel. The cause has already gone to the log at debug.
     *
     * @param ctx this handler's context
     * @param cause why the handshake failed
     * @throws Exception whatever an override throws
     */
    protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) throws Exception {
        ctx.close();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        this.ctx = ctx;
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) throws Exception {
        passHeldReads();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (done) {
            ctx.fireChannelRead(msg);
        } else {
            heldReads.add(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (done) {
            ctx.fireChannelReadComplete();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (!(evt instanceof SslHandshakeCompletionEvent handshake) || done) {
            ctx.fireUserEventTriggered(evt);
            return;
        }
        done = true;
        try {
            if (handshake.isSuccess()) {
                configurePipeline(ctx, negotiatedProtocol(ctx));
            } else {
                logger.debug("{} TLS handshake failed: {}", ctx.channel(), handshake.cause());
                handshakeFailure(ctx, handshake.cause());
            }
        } catch (Throwable t) {
            configurationFailed(ctx, t);
            return;
        } finally {
            // Handlers added by configurePipeline see the event too, as they would behind Netty's version.
            ctx.fireUserEventTriggered(evt);
        }
        removeSelf(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        // Closed before the handshake completed: what was held has no one to read it.
        releaseHeldReads();
        ctx.fireChannelInactive();
    }

    private String negotiatedProtocol(ChannelHandlerContext ctx) {
        SslWriteHandler tls = ctx.pipeline().get(SslWriteHandler.class);
        if (tls == null) {
            throw new IllegalStateException("no SslWriteHandler in the pipeline of " + ctx.channel()
                    + ": add SslWriteProtocolNegotiationHandler after the handler SslWriteContext.newHandler made");
        }
        SslWriteSession session = tls.session();
        String protocol = session == null ? null : session.applicationProtocol();
        return protocol == null ? fallbackProtocol : protocol;
    }

    private void configurationFailed(ChannelHandlerContext ctx, Throwable t) {
        releaseHeldReads();
        ctx.fireExceptionCaught(t);
        ctx.close();
        if (ctx.pipeline().context(this) != null) {
            ctx.pipeline().remove(this);
        }
    }

    private void removeSelf(ChannelHandlerContext ctx) {
        if (ctx.pipeline().context(this) != null) {
            ctx.pipeline().remove(this);      // handlerRemoved passes on what was held
        }
    }

    private void passHeldReads() {
        if (heldReads.isEmpty() || ctx == null) {
            return;
        }
        while (!heldReads.isEmpty()) {
            ctx.fireChannelRead(heldReads.poll());
        }
        ctx.fireChannelReadComplete();
    }

    private void releaseHeldReads() {
        Object msg;
        while ((msg = heldReads.poll()) != null) {
            io.netty.util.ReferenceCountUtil.release(msg);
        }
    }
}
