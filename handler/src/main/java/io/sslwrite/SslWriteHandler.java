package io.sslwrite;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.netty.util.concurrent.Promise;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import java.util.Map;

/**
 * A Netty handler that speaks TLS 1.2 and 1.3 through bctls and gives outbound writes the semantics
 * of OpenSSL's {@code SSL_write(3)}:
 *
 * <ul>
 *   <li>writes made before the handshake completes are queued and go out after it, in order;</li>
 *   <li>a write's promise succeeds when every byte of it has been encrypted and the transport has
 *       written the records that carry them; a {@code ChannelProgressivePromise} hears of each record;</li>
 *   <li>encryption stops while the transport is full, and the plaintext waits, uncopied (WANT_WRITE);</li>
 *   <li>a peer's TLS 1.2 renegotiation pauses application records until it completes (WANT_READ).</li>
 * </ul>
 *
 * <pre>{@code
 * SslWriteContext tls = SslWriteContext.forServer(chainPem, keyPem).build();
 * ch.pipeline().addLast(tls.newHandler(ch.alloc()), new HttpServerCodec(), new MyHandler());
 * }</pre>
 *
 * <p>This class only adapts Netty's callbacks: the connection's parts do the work, each its own job
 * ({@code WritePump}, {@code ReadPath}, {@code ClosePath}, {@code ProtocolEvents}, around
 * {@code Connection}, which holds the phase and the one ending of §4.7). Every call into bctls happens
 * on the channel's event loop; the public methods may be called from any thread.
 */
public final class SslWriteHandler extends ChannelDuplexHandler {

    private final boolean client;
    private final boolean startTls;
    private final HandlerOptions options;
    private final PeerFactory peers;
    private final ByteBufAllocator alloc;
    private final ContextStats stats;
    private final WriteQueue queue = new WriteQueue();
    private Promise<Channel> handshakePromise;
    private Promise<Channel> sslClosePromise;
    private volatile Connection conn;

    SslWriteHandler(boolean client, boolean startTls, Map<ChannelOption<?>, Object> options, PeerFactory peers,
                    ByteBufAllocator alloc, ContextStats stats) {
        this.client = client;
        this.startTls = startTls;
        this.options = new HandlerOptions(client, options);
        this.peers = peers;
        this.alloc = alloc;
        this.stats = stats;
    }

    // ---- Public API (DESIGN §3) ----

    /** {@return a future that succeeds when the initial handshake completes, and fails with its cause} */
    public synchronized Future<Channel> handshakeFuture() {
        if (handshakePromise == null) {
            handshakePromise = ImmediateEventExecutor.INSTANCE.newPromise();
        }
        return handshakePromise;
    }

    /**
     * Succeeds when the peer's close_notify arrives; fails when the connection ends otherwise (for an
     * EOF without close_notify, with an {@link SSLException} that says so: possible truncation).
     *
     * @return the future of the peer's close_notify, of this handler's channel
     */
    public synchronized Future<Channel> sslCloseFuture() {
        if (sslClosePromise == null) {
            sslClosePromise = ImmediateEventExecutor.INSTANCE.newPromise();
        }
        return sslClosePromise;
    }

    /** {@return the negotiated parameters, or null before the handshake completes} */
    public SslWriteSession session() {
        Connection c = conn;
        return c == null ? null : c.session();
    }

    /**
     * Sets an {@link SslWriteOption} on this handler, like {@code ChannelConfig.setOption}.
     *
     * @param <T> the option's value type
     * @param option one of {@link SslWriteOption}'s constants
     * @param value its new value
     * @return false if {@code option} is not one of {@link SslWriteOption}'s
     * @throws IllegalArgumentException if the value is out of range
     */
    public <T> boolean setOption(ChannelOption<T> option, T value) {
        return options.set(option, value);
    }

    /**
     * The current value of an {@link SslWriteOption}, or null if {@code option} is not one.
     *
     * @param <T> the option's value type
     * @param option one of {@link SslWriteOption}'s constants
     * @return its value on this handler, or null
     */
    public <T> T getOption(ChannelOption<T> option) {
        return options.isKnown(option) ? options.get(option) : null;
    }

    /** {@return the plaintext bytes queued and not yet encrypted} */
    public long pendingOutboundBytes() {
        return queue.pendingBytes();
    }

    /** Ciphertext handed to the transport and not yet reported written (§4.3); for tests. */
    long ciphertextInFlight() {
        return conn == null ? 0 : conn.encoder.ciphertextInFlight();
    }

    /** The connection's phase, or null before the handler is added; for tests. */
    ConnectionState connectionState() {
        Connection c = conn;
        return c == null ? null : c.state();
    }

    // ---- Lifecycle ----

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        synchronized (this) {
            // The futures belong to the channel's event loop, unless one was asked for before.
            if (handshakePromise == null) {
                handshakePromise = ctx.executor().newPromise();
            }
            if (sslClosePromise == null) {
                sslClosePromise = ctx.executor().newPromise();
            }
        }
        try {
            conn = new Connection(ctx, alloc, client, startTls, options, queue, peers, handshakePromise, sslClosePromise,
                    stats.newConnection(queue));
        } catch (RuntimeException e) {
            // Netty removes the handler and fires exceptionCaught with this; the futures fail with it.
            SSLException cause = new SSLHandshakeException("the TLS connection could not be set up: " + e.getMessage());
            cause.initCause(e);
            handshakePromise.tryFailure(cause);
            sslClosePromise.tryFailure(cause);
            throw e;
        }
        if (ctx.channel().isActive()) {
            conn.start();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        conn.start();
        ctx.fireChannelActive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        Connection c = conn;
        if (c != null) { // null if handlerAdded failed
            c.handlerRemoved();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        conn.channelInactive();
        ctx.fireChannelInactive();
    }

    /** §4.7: passed on; an I/O failure also ends the connection and closes the channel. */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
        conn.closer.exceptionCaught(cause);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (!conn.closer.userEvent(evt)) {
            ctx.fireUserEventTriggered(evt);
        }
    }

    // ---- Write path (§4) ----

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        conn.pump.write(msg, promise);
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        conn.pump.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        conn.pump.encryptAndWrite();
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        conn.close(promise);
    }

    // ---- Read path (§5) ----

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof ByteBuf in) {
            conn.reader.channelRead(in);
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        conn.reader.read(ctx);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        conn.reader.readComplete(ctx);
    }
}
