package io.sslwrite;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.channel.socket.ChannelOutputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.concurrent.ScheduledFuture;
import org.bouncycastle.tls.AlertDescription;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.TimeUnit;

/**
 * The physical side of an ending (§4.7): the last bytes (close_notify or alert) and the wait for them,
 * the close timer, the drain after a fatal alert, and the channel's own close, in
 * {@link #closeChannel}, the one place it happens. The peer's EOF, the channel going inactive and the
 * transport's failures arrive here too, and end the connection through {@link Connection#end}.
 *
 * <p>Every {@code close()} promise of the application follows one promise of our own, the one the
 * channel is closed with (or, if something beneath closed it, completed when it goes inactive): no
 * promise is completed twice, whichever of the timer, the last write, the peer's EOF and the
 * handler's removal comes first.
 */
final class ClosePath {
    private final Connection conn;
    private final ChannelHandlerContext ctx;
    /** The write of the connection's last bytes (alert or close_notify), until it completes. */
    private ChannelFuture lastWrite;
    private ScheduledFuture<?> closeTimer;
    /** Completes when the channel has closed; created at the first {@code close()} or at our own close. */
    private ChannelPromise channelClosed;
    /**
     * Whether the handler turned on {@code ALLOW_HALF_CLOSURE}: Netty otherwise closes a socket at the
     * peer's EOF beneath the pipeline, dropping the records still queued, our close_notify among them.
     */
    private boolean halfClosureIsOurs;
    /** The peer's EOF arrived (as an input shutdown, on a socket that half-closes). */
    private boolean peerEof;

    ClosePath(Connection conn) {
        this.conn = conn;
        this.ctx = conn.ctx;
    }

    void takeOverHalfClosure() {
        if (ctx.channel() instanceof DuplexChannel duplex
                && !Boolean.TRUE.equals(duplex.config().getOption(ChannelOption.ALLOW_HALF_CLOSURE))) {
            duplex.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
            halfClosureIsOurs = true;
        }
    }

    /**
     * A {@code close()} promise completes when the channel has closed, whatever ends the connection in
     * between (the drain, the timer, the peer, the handler's removal).
     */
    void completeWhenClosed(ChannelPromise promise) {
        if (!promise.isVoid()) {
            channelClosed().addListener(f -> {
                if (f.isSuccess()) {
                    promise.trySuccess();
                } else {
                    promise.tryFailure(f.cause());
                }
            });
        }
    }

    /**
     * {@link Connection#end}, first: the connection's last bytes go out (bctls's close_notify, its
     * answer to the peer's, or the fatal alert), bounded by the close timer, before any application
     * code runs.
     */
    void sendLastBytes(Ending how) {
        switch (how) {
            case REMOVED, TRANSPORT, CLOSE_TIMEOUT -> {
                // Nothing more can be written, or nothing more is waited for.
            }
            case LOCAL_CLOSE -> {
                if (!conn.bctlsSpoke()) {
                    // No TLS on the wire yet (STARTTLS's plaintext phase, a client not yet active, a
                    // server before the ClientHello; bctls would write nothing, and a client's throws):
                    // what was written before goes out, then the channel closes.
                    lastWrite = ctx.writeAndFlush(Unpooled.EMPTY_BUFFER);
                    break;
                }
                // bctls's close(): close_notify, and user_canceled first during a handshake.
                try {
                    conn.protocol.close();
                } catch (IOException e) {
                    // Nothing to send; the channel closes all the same.
                }
                lastWrite = conn.flushProtocolOutput();
            }
            case PEER_CLOSE_NOTIFY, EOF -> lastWrite = conn.flushProtocolOutput();
            case FATAL -> lastWrite = writeAlert();
        }
        // A fatal alert is followed by the drain even once it is written, so the timer bounds both.
        if (lastWrite != null && (how == Ending.FATAL || !lastWrite.isDone())) {
            startCloseTimer();
        }
    }

    /**
     * {@link Connection#end}, last: the channel closes once the last bytes are written; after a fatal
     * alert, a socket first half-closes and drains. Nothing to wait for: it closes now.
     */
    void closeAfterLastBytes(Ending how) {
        switch (how) {
            case REMOVED -> {
                // The channel is the application's (see handlerRemoved).
            }
            case TRANSPORT, CLOSE_TIMEOUT -> closeChannel();
            case FATAL -> drainAfter(lastWrite);
            default -> closeAfter(lastWrite);
        }
    }

    /** The alert bctls queued, or, when bctls could not write it, the plaintext record of it. */
    private ChannelFuture writeAlert() {
        ChannelFuture written = conn.flushProtocolOutput();
        short unsent = conn.events.unsentFatalAlert();
        if (written == null && unsent >= 0) {
            written = ctx.writeAndFlush(Alerts.plaintextRecord(conn.alloc, unsent));
        }
        return written;
    }

    private void closeAfter(ChannelFuture written) {
        if (written == null || written.isDone()) {
            closeChannel();
        } else {
            written.addListener(f -> closeChannel());
        }
    }

    /**
     * After a fatal alert: closing a socket that still has unread bytes makes the kernel send a reset,
     * and a peer that receives the reset may drop the alert before reading it. So a socket half-closes
     * (FIN after the alert), reads and discards until the peer's EOF, and closes then, or after
     * {@code CLOSE_NOTIFY_FLUSH_TIMEOUT_MILLIS} at the latest.
     */
    private void drainAfter(ChannelFuture alert) {
        if (alert == null || !(ctx.channel() instanceof DuplexChannel duplex) || !duplex.isActive()) {
            closeAfter(alert);
            return;
        }
        startCloseTimer();
        alert.addListener(f -> duplex.shutdownOutput().addListener(g -> {
            if (!duplex.config().isAutoRead()) {
                ctx.read();
            }
        }));
    }

    /**
     * The one place the channel is closed (§4.7), once the connection has ended: DRAINING becomes
     * CLOSED, the close timer stops, and every {@code close()} promise follows the channel's close.
     */
    private void closeChannel() {
        if (conn.state() != ConnectionState.DRAINING) {
            return;
        }
        conn.moveTo(ConnectionState.CLOSED);
        cancelCloseTimer();
        ctx.close(channelClosed());
    }

    private ChannelPromise channelClosed() {
        if (channelClosed == null) {
            channelClosed = ctx.newPromise();
        }
        return channelClosed;
    }

    /**
     * The peer's EOF while the handler owns half-closure: an end without close_notify (truncation,
     * §4.7) if the connection was open; the channel closes once our last bytes are written. The
     * output shutdown of the drain after an alert is the handler's own doing, not the application's.
     *
     * @return whether the event was the handler's own, not to be passed on
     */
    boolean userEvent(Object evt) {
        if (evt instanceof ChannelOutputShutdownEvent && conn.state().hasEnded()) {
            return true;
        }
        if (evt == ChannelInputShutdownEvent.INSTANCE) {
            peerEof = true;
            if (!endAtEof() && halfClosureIsOurs) {
                closeAfter(lastWrite);
            }
            return halfClosureIsOurs;
        }
        return evt == ChannelInputShutdownReadComplete.INSTANCE && halfClosureIsOurs;
    }

    /** The channel closed, by us or beneath us: the connection has ended, and every close() promise completes. */
    void channelInactive() {
        endAtEof();
        if (conn.state() == ConnectionState.DRAINING) {
            conn.moveTo(ConnectionState.CLOSED);
        }
        channelClosed().trySuccess();
    }

    /**
     * The channel's input ended, by the peer's EOF or the channel's close, while the connection was
     * live: which ending that is. A server whose peer sent nothing never spoke TLS (a health check).
     * A socket that half-closes (ours always does, see {@link #takeOverHalfClosure}) reports the
     * peer's EOF before it goes inactive; going inactive without it, it was closed beneath us.
     *
     * @return whether this ended the connection
     */
    private boolean endAtEof() {
        ConnectionState state = conn.state();
        if (state.hasEnded()) {
            return false;
        }
        if (state == ConnectionState.PLAINTEXT
                || (!conn.client && state.isBeforeHandshake() && !conn.reader.heardFromPeer())) {
            return conn.end(Ending.NO_TLS, new SSLHandshakeException(
                    "connection closed by the peer before it sent any TLS byte"));
        }
        boolean beforeHandshake = state.isBeforeHandshake();
        if (!peerEof && ctx.channel() instanceof DuplexChannel duplex
                && Boolean.TRUE.equals(duplex.config().getOption(ChannelOption.ALLOW_HALF_CLOSURE))) {
            return conn.end(Ending.CLOSED_BELOW, Alerts.create("the channel was closed beneath SslWriteHandler"
                    + " (by a handler nearer the transport) " + (beforeHandshake ? "during the handshake"
                    : "before close_notify was sent or received"), beforeHandshake, null));
        }
        return conn.end(Ending.EOF, beforeHandshake
                ? new SSLHandshakeException("connection closed by the peer during the handshake")
                : new SSLException("peer closed the connection without close_notify (possible truncation)"));
    }

    /**
     * §4.7: an exception from below is passed on; an I/O failure (a reset, a broken pipe) also ends the
     * connection, and the channel closes once the exception has been passed on. After the connection
     * has ended, an I/O failure is the transport's echo of that ending (a peer that closed after its
     * close_notify, or after our alert, resets what we still send): the channel closes, and the
     * application, told of the ending already, does not hear of it again.
     */
    void exceptionCaught(Throwable cause) {
        if (!(cause instanceof IOException)) {
            ctx.fireExceptionCaught(cause);
        } else if (conn.state().hasEnded()) {
            closeChannel();
        } else if (!endOnTransportFailure(cause, cause)) {
            ctx.fireExceptionCaught(cause); // a ClosedChannelException: the channel's close ends the connection
        }
    }

    /**
     * A batch of records failed beneath us: their sequence numbers are spent, so the peer can decrypt
     * nothing we send after them. An I/O failure ends the connection with its cause; any other
     * failure (a handler beneath that refused the bytes) ends it with {@code internal_error}, which
     * makes the peer fail now rather than at our next record. Failed after the ending: the last bytes
     * cannot leave, and the channel closes. A closed channel ends at {@code channelInactive}.
     */
    void transportFailed(Throwable cause) {
        if (conn.state().hasEnded()) {
            closeChannel();
        } else if (!(cause instanceof IOException)) {
            conn.abort(AlertDescription.internal_error, "a handler beneath SslWriteHandler failed the write of"
                    + " its records: " + cause, cause);
        } else {
            endOnTransportFailure(cause, null);
        }
    }

    /**
     * Every write waiting here fails with an exception that carries the transport's cause, not with
     * the EOF that follows.
     */
    private boolean endOnTransportFailure(Throwable cause, Throwable passOn) {
        return cause instanceof IOException && !(cause instanceof ClosedChannelException)
                && conn.end(Ending.TRANSPORT, Alerts.create("the connection failed: " + cause.getMessage(),
                        conn.state().isBeforeHandshake(), cause), passOn);
    }

    /**
     * {@code CLOSE_NOTIFY_FLUSH_TIMEOUT_MILLIS} counts from {@code close()}, as for Netty's SslHandler
     * (or from the ending, for an alert or an answer to close_notify): a peer that stops reading
     * cannot hold a closing channel open. What is still queued then fails, and the channel closes.
     * 0 means no timeout, as for Netty's SslHandler and for {@code HANDSHAKE_TIMEOUT_MILLIS}.
     */
    void startCloseTimer() {
        long timeout = conn.options.closeNotifyFlushTimeoutMillis();
        if (closeTimer != null || timeout == 0) {
            return;
        }
        closeTimer = ctx.executor().schedule(() -> {
            if (!conn.end(Ending.CLOSE_TIMEOUT, new SSLException("close() gave up after"
                    + " CLOSE_NOTIFY_FLUSH_TIMEOUT_MILLIS (" + timeout + " ms): " + conn.queue.pendingBytes()
                    + " bytes were still queued and " + conn.encoder.ciphertextInFlight()
                    + " bytes of records unwritten; the peer is not reading"))) {
                closeChannel();
            }
        }, timeout, TimeUnit.MILLISECONDS);
    }

    private void cancelCloseTimer() {
        if (closeTimer != null) {
            closeTimer.cancel(false);
            closeTimer = null;
        }
    }

    /**
     * The handler leaves the pipeline, the connection ended ({@link Ending#REMOVED} or earlier). If a
     * close was due, the channel closes now; either way the connection's part in it is over.
     */
    void handlerRemoved(boolean closeWasDue) {
        if (closeWasDue) {
            closeChannel();
        } else if (conn.state() == ConnectionState.DRAINING) {
            conn.moveTo(ConnectionState.CLOSED);
        }
    }

    /** Part of the teardown: the timer stops, and the channel's half-closure setting is the application's again. */
    void release() {
        cancelCloseTimer();
        if (halfClosureIsOurs) {
            halfClosureIsOurs = false;
            ctx.channel().config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, false);
        }
    }
}
