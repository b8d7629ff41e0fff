package io.sslwrite;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import org.bouncycastle.tls.TlsClient;
import org.bouncycastle.tls.TlsPeer;
import org.bouncycastle.tls.TlsProtocol;
import org.bouncycastle.tls.TlsServer;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * One TLS connection of a {@link SslWriteHandler}: the phase, the futures, bctls's protocol object,
 * and the parts that do the work ({@link WritePump}, {@link ReadPath}, {@link ClosePath},
 * {@link ProtocolEvents}). Above all it holds {@link #end}, the one way a connection ends (§4.7).
 * Everything here runs on the channel's event loop; {@link #session} is also read from other threads.
 */
final class Connection {
    final ChannelHandlerContext ctx;
    final ByteBufAllocator alloc;
    final boolean client;
    final HandlerOptions options;
    final WriteQueue queue;
    final TlsPeer peer;
    final TlsProtocol protocol;
    final RecordEncoder encoder;
    final WritePump pump;
    final ReadPath reader;
    final ClosePath closer;
    final ProtocolEvents events;
    final Promise<Channel> handshakePromise;
    final Promise<Channel> sslClosePromise;
    final ConnectionStats stats;

    private ConnectionState state;
    private volatile SslWriteSession session;
    private int renegotiations;
    /** Whether bctls has put anything on the wire yet (a server writes nothing before a valid ClientHello). */
    private boolean bctlsSpoke;
    private ScheduledFuture<?> handshakeTimer;

    Connection(ChannelHandlerContext ctx, ByteBufAllocator alloc, boolean client, boolean startTls, HandlerOptions options,
               WriteQueue queue, PeerFactory peers, Promise<Channel> handshakePromise, Promise<Channel> sslClosePromise,
               ConnectionStats stats) {
        this.state = startTls ? ConnectionState.PLAINTEXT : ConnectionState.NEW;
        this.ctx = ctx;
        this.alloc = alloc;
        this.client = client;
        this.options = options;
        this.queue = queue;
        this.handshakePromise = handshakePromise;
        this.sslClosePromise = sslClosePromise;
        this.stats = stats;
        this.events = new ProtocolEvents(this);
        this.peer = peers.newPeer(events);
        this.protocol = client ? new BcClientProtocol(events, alloc) : new BcServerProtocol(events, alloc);
        this.pump = new WritePump(this);
        this.encoder = new RecordEncoder(protocol, pump);
        this.reader = new ReadPath(this);
        this.closer = new ClosePath(this);
        if (!client) {
            // A server only prepares here; the handshake starts with the peer's ClientHello.
            try {
                ((BcServerProtocol) protocol).accept((TlsServer) peer);
            } catch (IOException e) {
                throw new IllegalStateException("bctls refused to prepare a server connection", e);
            }
        }
    }

    ConnectionState state() {
        return state;
    }

    /** A transition other than an ending (those go through {@link #end}). */
    void moveTo(ConnectionState next) {
        state = state.moveTo(next);
    }

    SslWriteSession session() {
        return session;
    }

    /**
     * STARTTLS: the writes made so far are the last plaintext; what follows is TLS. Called at the first
     * flush, which then passes them on, and at the first input, since a peer that sends bytes has begun
     * TLS (a server prepared for a ClientHello must not answer it while still in plaintext). The phase
     * moves first, so that a write made by a listener of the flush is encrypted; then the handshake, and
     * its timer, start (once the channel is active).
     */
    void endPlaintext(Runnable passOn) {
        moveTo(ConnectionState.NEW);
        passOn.run();
        if (ctx.channel().isActive()) {
            start();
        }
    }

    /** The channel is active: a client sends its ClientHello, a server waits for the peer's. */
    void start() {
        if (state != ConnectionState.NEW) {
            return;
        }
        moveTo(ConnectionState.HANDSHAKING);
        stats.handshakeStarted();
        closer.takeOverHalfClosure();
        long timeout = options.handshakeTimeoutMillis();
        if (timeout > 0) {
            handshakeTimer = ctx.executor().schedule(() -> {
                if (!handshakePromise.isDone()) {
                    end(Ending.FATAL, new SslHandshakeTimeoutException("handshake timed out after " + timeout
                            + " ms (HANDSHAKE_TIMEOUT_MILLIS); the peer did not complete it"));
                }
            }, timeout, TimeUnit.MILLISECONDS);
        }
        if (client) {
            try {
                ((BcClientProtocol) protocol).connect((TlsClient) peer);
            } catch (IOException | RuntimeException e) {
                end(Ending.FATAL, events.failure(e));
                return;
            }
            flushProtocolOutput();
        }
        if (!ctx.channel().config().isAutoRead()) {
            ctx.read();
        }
    }

    /**
     * bctls reported the handshake or a renegotiation complete. The handshake's own last flight goes
     * first, while application data is still held back, so that a transport completing it at once
     * cannot complete a write before the handshake future and event (§4.2); then the future, the
     * event, and only then the queued writes.
     */
    void handshakeCompleted() {
        flushProtocolOutput();
        boolean initial = state == ConnectionState.HANDSHAKING;
        if (initial) {
            moveTo(ConnectionState.OPEN);
            cancelHandshakeTimer();
        } else if (state == ConnectionState.RENEGOTIATING || state == ConnectionState.CLOSE_AFTER_RENEGOTIATION) {
            renegotiations++;
            moveTo(state == ConnectionState.RENEGOTIATING ? ConnectionState.OPEN : ConnectionState.CLOSING);
        } else {
            return;
        }
        session = new SslWriteSession(((BcProtocol) protocol).tlsContext(), peer, renegotiations);
        pump.negotiated(session);
        stats.handshakeCompleted(session);
        if (initial) {
            handshakePromise.trySuccess(ctx.channel());
            ctx.fireUserEventTriggered(SslHandshakeCompletionEvent.SUCCESS);
        } else {
            ctx.fireUserEventTriggered(SslHandshakeCompletionEvent.SUCCESS);
            ctx.fireUserEventTriggered(SslRenegotiationEvent.COMPLETED);
        }
        if (state == ConnectionState.CLOSING) {
            queue.markAllFlushed();
        }
        pump.encryptAndWrite();
    }

    /**
     * The one ending (§4.7): whichever of close, the peer's close_notify, EOF, a fatal alert, a
     * transport failure, a timeout or the handler's removal comes first settles, once, the state, the
     * queued writes, writability, the handshake timer, the last bytes (alert or close_notify, so that
     * an application closing on an event or on {@code exceptionCaught} only joins their drain), the
     * handshake and close futures and their events, {@code exceptionCaught}, and then the channel's
     * close. A later ending finds the state terminal and does nothing.
     *
     * @param cause what queued writes and unfinished futures fail with
     * @return false if the connection had already ended
     */
    boolean end(Ending how, SSLException cause) {
        if (state.isTerminal()) {
            return false;
        }
        boolean handshaking = !handshakePromise.isDone();
        state = state.moveTo(how.state);
        stats.ended(how, cause);
        cancelHandshakeTimer();
        queue.failAll(cause);
        queue.updateWritability(ctx.channel());
        closer.sendLastBytes(how);
        boolean events = how != Ending.REMOVED;
        if (handshaking && handshakePromise.tryFailure(cause) && events) {
            ctx.fireUserEventTriggered(new SslHandshakeCompletionEvent(cause));
        }
        if (how == Ending.PEER_CLOSE_NOTIFY) {
            sslClosePromise.trySuccess(ctx.channel());
            ctx.fireUserEventTriggered(SslCloseCompletionEvent.SUCCESS);
        } else if (sslClosePromise.tryFailure(cause) && how == Ending.EOF && !handshaking) {
            ctx.fireUserEventTriggered(new SslCloseCompletionEvent(cause));
        }
        if (how == Ending.FATAL) {
            ctx.fireExceptionCaught(cause);
        }
        closer.closeAfterLastBytes(how);
        return true;
    }

    /**
     * Writes and flushes whatever bctls has queued (handshake messages, alerts, close_notify) outside
     * an encryption pass; null if there is nothing.
     */
    ChannelFuture flushProtocolOutput() {
        Batch batch = encoder.newBatch();
        ByteBuf out = encoder.takeOutput(batch);
        if (out == null) {
            encoder.written(batch);
            return null;
        }
        bctlsSpoke = true;
        return ctx.writeAndFlush(out, ctx.newPromise().addListener(batch));
    }

    /** Whether bctls has written anything on this connection. */
    boolean bctlsSpoke() {
        return bctlsSpoke;
    }

    private void cancelHandshakeTimer() {
        if (handshakeTimer != null) {
            handshakeTimer.cancel(false);
            handshakeTimer = null; // the cancelled task would stay with the connection for its life
        }
    }
}
