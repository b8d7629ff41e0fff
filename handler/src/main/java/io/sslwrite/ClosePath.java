package io.sslwrite;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.channel.socket.ChannelOutputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.concurrent.ScheduledFuture;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.TimeUnit;

/**
 * The close path (§4.7): {@code close()}, close_notify after the queue drains, the close timer, the
 * channel's own close once the last alert or close_notify is written, the drain after a fatal alert,
 * and the peer's EOF and the transport's failures, which end the connection.
 *
 * <p>The channel is closed with a promise of our own each time ({@code ctx.close()}), and every
 * {@code close()} promise of the application completes when the channel has closed: no promise is
 * completed twice, whichever of the timer and the write of close_notify comes first.
 */
final class ClosePath {
    private final Connection conn;
    private final ChannelHandlerContext ctx;
    /** The write of the connection's last bytes (alert or close_notify), until it completes. */
    private ChannelFuture lastWrite;
    private ScheduledFuture<?> closeTimer;
    /**
     * Whether the handler turned on {@code ALLOW_HALF_CLOSURE}: Netty otherwise closes a socket at the
     * peer's EOF beneath the pipeline, dropping the records still queued, our close_notify among them.
     */
    private boolean halfClosureIsOurs;

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

    /** {@code close()}: queued writes first (respecting back-pressure), then close_notify, then the channel. */
    void close(ChannelPromise promise) {
        ConnectionState state = conn.state();
        if (state.isTerminal() && !ctx.channel().isOpen()) {
            ctx.close(promise);
            return;
        }
        ctx.channel().closeFuture().addListener(f -> promise.trySuccess());
        switch (state) {
            case PLAINTEXT, NEW, HANDSHAKING -> conn.end(Ending.LOCAL_CLOSE,
                    new SSLHandshakeException("close() was called before the handshake completed"));
            case OPEN -> {
                startCloseTimer();
                conn.moveTo(ConnectionState.CLOSING);
                conn.queue.markAllFlushed();
                conn.pump.encryptAndWrite();
            }
            case RENEGOTIATING -> {
                // The queue drains once the renegotiation completes (§4.6), then close_notify.
                startCloseTimer();
                conn.moveTo(ConnectionState.CLOSE_AFTER_RENEGOTIATION);
            }
            default -> {
                // Closing already, or ended with its last bytes still going out (the close timer
                // bounds that): this close joins it. Ended with nothing left to send: close now.
                if (state.isTerminal() && closeTimer == null) {
                    ctx.close();
                }
            }
        }
    }

    /** Every queued write is encrypted: close_notify follows it. */
    void queueDrained() {
        conn.end(Ending.LOCAL_CLOSE, new SSLException("the connection was closed by close() before the peer"
                + " sent close_notify"));
    }

    /**
     * {@link Connection#end}, first: the connection's last bytes go out (bctls's close_notify, its
     * answer to the peer's, or the fatal alert), bounded by the close timer, so that a {@code close()}
     * made on the events that follow joins them.
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
     * alert, a socket first half-closes and drains. A transport failure is closed by whoever caught
     * it, once the exception is passed on.
     */
    void closeAfterLastBytes(Ending how) {
        switch (how) {
            case REMOVED, TRANSPORT -> {
            }
            case CLOSE_TIMEOUT -> ctx.close();
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
            ctx.close();
        } else {
            startCloseTimer();
            written.addListener((ChannelFutureListener) f -> ctx.close());
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
     * The peer's EOF while the handler owns half-closure: an end without close_notify (truncation,
     * §4.7) if the connection was open; the channel closes once our last bytes are written. The
     * output shutdown of the drain after an alert is the handler's own doing, not the application's.
     *
     * @return whether the event was the handler's own, not to be passed on
     */
    boolean userEvent(Object evt) {
        if (evt instanceof ChannelOutputShutdownEvent && conn.state().isTerminal()) {
            return true;
        }
        if (evt == ChannelInputShutdownEvent.INSTANCE) {
            if (!conn.end(Ending.EOF, eof()) && halfClosureIsOurs) {
                closeAfter(lastWrite);
            }
            return halfClosureIsOurs;
        }
        return evt == ChannelInputShutdownReadComplete.INSTANCE && halfClosureIsOurs;
    }

    void channelInactive() {
        cancelCloseTimer();
        conn.end(Ending.EOF, eof());
    }

    private SSLException eof() {
        return conn.state().isHandshaking()
                ? new SSLHandshakeException("connection closed by the peer during the handshake")
                : new SSLException("peer closed the connection without close_notify (possible truncation)");
    }

    /**
     * §4.7: an exception from below is passed on; an I/O failure (a reset, a broken pipe) also ends the
     * connection, and the channel closes once the exception has been passed on.
     */
    void exceptionCaught(Throwable cause) {
        boolean ended = endOnTransportFailure(cause);
        ctx.fireExceptionCaught(cause);
        if (ended) {
            ctx.close();
        }
    }

    /** A write failed in the transport: the connection ends with its cause, and the channel closes. */
    void transportFailed(Throwable cause) {
        if (endOnTransportFailure(cause)) {
            ctx.close();
        }
    }

    /**
     * Every write waiting here fails with an exception that carries the transport's cause, not with
     * the EOF that follows.
     */
    private boolean endOnTransportFailure(Throwable cause) {
        return cause instanceof IOException && !(cause instanceof ClosedChannelException)
                && conn.end(Ending.TRANSPORT, Alerts.create("the connection failed: " + cause.getMessage(),
                        conn.state().isHandshaking(), cause));
    }

    /**
     * {@code CLOSE_NOTIFY_FLUSH_TIMEOUT_MILLIS} counts from {@code close()}, as for Netty's SslHandler
     * (or from the ending, for an alert or an answer to close_notify): a peer that stops reading
     * cannot hold a closing channel open. What is still queued then fails, and the channel closes.
     */
    private void startCloseTimer() {
        if (closeTimer != null) {
            return;
        }
        long timeout = conn.options.closeNotifyFlushTimeoutMillis();
        closeTimer = ctx.executor().schedule(() -> {
            if (!conn.end(Ending.CLOSE_TIMEOUT, new SSLException("close() gave up after"
                    + " CLOSE_NOTIFY_FLUSH_TIMEOUT_MILLIS (" + timeout + " ms): " + conn.queue.pendingBytes()
                    + " bytes were still queued and " + conn.encoder.ciphertextInFlight()
                    + " bytes of records unwritten; the peer is not reading"))) {
                ctx.close();
            }
        }, timeout, TimeUnit.MILLISECONDS);
    }

    private void cancelCloseTimer() {
        if (closeTimer != null) {
            closeTimer.cancel(false);
        }
    }

    /** The handler leaves the pipeline: the channel's half-closure setting is the application's again. */
    void handlerRemoved() {
        cancelCloseTimer();
        if (halfClosureIsOurs) {
            ctx.channel().config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, false);
        }
    }
}
