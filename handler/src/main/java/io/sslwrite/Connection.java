package io.sslwrite;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
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
import javax.net.ssl.SSLHandshakeException;
import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * One TLS connection of a {@link SslWriteHandler}: the phase, the futures, bctls's protocol object,
 * and the parts that do the work ({@link WritePump}, {@link ReadPath}, {@link ClosePath},
 * {@link ProtocolEvents}). Above all it holds {@link #end}, the one way a connection ends (§4.7).
 * Everything here runs on the channel's event loop; {@link #session} is also read from other threads.
 *
 * <p>A close, in one reading: {@link #close} moves OPEN to CLOSING and starts the close timer; the
 * {@link WritePump} encrypts what is queued as the transport takes it and, once the queue is empty,
 * calls {@link #queueDrained}; {@link #end} moves to DRAINING, has {@link ClosePath#sendLastBytes}
 * write close_notify, settles writes, futures and events, and has
 * {@link ClosePath#closeAfterLastBytes} close the channel when close_notify is written, in
 * {@code ClosePath.closeChannel}, the one place the channel is closed, which moves to CLOSED and
 * completes every {@code close()} promise. Every other ending enters at {@link #end}; the timer, an
 * EOF, a transport failure and the handler's removal end at {@code closeChannel} or {@link #teardown}.
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
    private Ending ending;
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
                if (state.isBeforeHandshake()) {
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
     * {@code close()} (§4.7): queued writes first (respecting back-pressure), then close_notify, then
     * the channel; the close timer bounds it all. Its promise completes when the channel has closed,
     * whatever ends the connection in between; a {@code close()} after the ending (a listener's, say)
     * only joins it.
     */
    void close(ChannelPromise promise) {
        closer.completeWhenClosed(promise);
        switch (state) {
            case PLAINTEXT, NEW, HANDSHAKING -> end(Ending.LOCAL_CLOSE,
                    new SSLHandshakeException("close() was called before the handshake completed"));
            case OPEN -> {
                closer.startCloseTimer();
                moveTo(ConnectionState.CLOSING);
                queue.markAllFlushed();
                pump.encryptAndWrite(); // ends in queueDrained, now or when the transport has room
            }
            case RENEGOTIATING -> {
                // The queue drains once the renegotiation completes (§4.6), then close_notify.
                closer.startCloseTimer();
                moveTo(ConnectionState.CLOSE_AFTER_RENEGOTIATION);
            }
            case CLOSING, CLOSE_AFTER_RENEGOTIATION, DRAINING, CLOSED -> {
                // Joined: the drain, the close timer or the channel's close completes it.
            }
        }
    }

    /** CLOSING, and every queued write is encrypted: close_notify follows them. */
    void queueDrained() {
        end(Ending.LOCAL_CLOSE, new SSLException("the connection was closed by close() before the peer sent"
                + " close_notify"));
    }

    /**
     * The one ending (§4.7): whichever of close, the peer's close_notify, EOF, a fatal alert, a
     * transport failure, a timer or the handler's removal comes first moves the connection to
     * DRAINING, once, and settles everything in an order no application code can disturb: first the
     * last bytes (alert or close_notify) are written, so that a {@code close()} made by any listener
     * or event handler that runs afterwards finds DRAINING and only joins their drain; then the queued
     * writes fail and writability returns; then the handshake and close futures complete, with their
     * events and {@code exceptionCaught}; and last, the channel's close is arranged (at once, or when
     * the last bytes are written). A later ending finds the connection ended and does nothing. This
     * is the one place where every ending and its cause are known.
     *
     * @param cause what queued writes and unfinished futures fail with
     * @param passOn what goes to {@code exceptionCaught}, or null
     * @return false if the connection had already ended
     */
    boolean end(Ending how, SSLException cause, Throwable passOn) {
        if (state.hasEnded()) {
            return false;
        }
        boolean beforeHandshake = state.isBeforeHandshake();
        state = state.moveTo(ConnectionState.DRAINING);
        ending = how;
        stats.ended(how, cause);
        cancelHandshakeTimer();
        closer.sendLastBytes(how);
        queue.failAll(cause);
        queue.updateWritability(ctx.channel());
        boolean events = how != Ending.REMOVED && how != Ending.NO_TLS;
        if (beforeHandshake && handshakePromise.tryFailure(cause) && events) {
            ctx.fireUserEventTriggered(new SslHandshakeCompletionEvent(cause));
        }
        if (how == Ending.PEER_CLOSE_NOTIFY) {
            sslClosePromise.trySuccess(ctx.channel());
            ctx.fireUserEventTriggered(SslCloseCompletionEvent.SUCCESS);
        } else if (sslClosePromise.tryFailure(cause) && (how == Ending.EOF || how == Ending.CLOSED_BELOW)
                && !beforeHandshake) {
            ctx.fireUserEventTriggered(new SslCloseCompletionEvent(cause));
        }
        if (passOn != null) {
            ctx.fireExceptionCaught(passOn);
        }
        closer.closeAfterLastBytes(how);
        return true;
    }

    /** {@link #end(Ending, SSLException, Throwable)}, passing the cause on if the ending reports it. */
    boolean end(Ending how, SSLException cause) {
        return end(how, cause, how.reportsException ? cause : null);
    }

    /**
     * Ends the connection with a fatal alert of the handler's choosing (bctls queues it and closes),
     * for what bctls itself does not see: floods it lets through, records lost beneath us.
     */
    void abort(short alert, String reason, Throwable cause) {
        boolean beforeHandshake = state.isBeforeHandshake();
        try {
            ((BcProtocol) protocol).abort(alert, reason);
        } catch (IOException | RuntimeException e) {
            // The alert could not be queued; the connection ends all the same.
        }
        SSLException failure = Alerts.sent(alert, beforeHandshake, reason, null); // the reason, not the cause's words
        if (cause != null) {
            failure.initCause(cause);
        }
        end(Ending.FATAL, failure);
    }

    /** How the connection ended, or null while it has not. */
    Ending ending() {
        return ending;
    }

    /**
     * The channel went inactive: the connection ends if it had not (as the peer's EOF), and
     * everything is released.
     */
    void channelInactive() {
        closer.channelInactive();
        teardown();
    }

    /**
     * The handler leaves the pipeline. A {@code close()} that was waiting (behind back-pressure, or
     * for the last bytes of an ending) can no longer send close_notify, but the application asked for
     * a close: the channel closes now, and its promise completes. Otherwise the channel is the
     * application's again.
     */
    void handlerRemoved() {
        boolean closeWasDue = state.isClosing() || state == ConnectionState.DRAINING;
        end(Ending.REMOVED, new SSLException("SslWriteHandler was removed from the pipeline before the"
                + " connection ended"));
        closer.handlerRemoved(closeWasDue);
        teardown();
        queue.setPlaintextWritable(ctx.channel());
    }

    /**
     * Releases everything the connection holds (as {@code FlowControlHandler.destroy()}): the read
     * path's cumulation, bctls's untaken output, both timers, the half-closure setting. Called when
     * the channel goes inactive and when the handler is removed, whichever comes first, and again
     * harmlessly by the other.
     */
    private void teardown() {
        reader.release();
        encoder.releaseOutput();
        cancelHandshakeTimer();
        closer.release();
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
