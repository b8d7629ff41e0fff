package io.sslwrite;

/**
 * The ways a connection ends (§4.7). Every one goes through {@link Connection#end}, which settles the
 * same things for each; what differs is written here: whether the connection failed (the peer or the
 * transport broke it) or ended as TLS allows, and whether the application hears of it through
 * {@code exceptionCaught}. Which last bytes go out and when the channel closes is
 * {@link ClosePath#sendLastBytes} and {@link ClosePath#closeAfterLastBytes}.
 */
enum Ending {
    /** Our close_notify after the queue drained, or {@code close()} before the handshake completed. */
    LOCAL_CLOSE(false, false),
    /** The peer's close_notify: bctls has queued ours in answer (RFC 5246 §7.2.1, RFC 8446 §6.1). */
    PEER_CLOSE_NOTIFY(false, false),
    /** The peer's EOF without close_notify: truncation, reported without {@code exceptionCaught}. */
    EOF(false, false),
    /**
     * The channel closed beneath the handler (a handler nearer the transport closed it) before
     * close_notify: not the peer's doing, so not called truncation; otherwise as {@link #EOF}.
     */
    CLOSED_BELOW(false, false),
    /**
     * A server's peer closed before sending a single TLS byte (a health check, a port scan): no TLS
     * was spoken, so no handshake failed. The handshake future fails; no event, no
     * {@code exceptionCaught}, as Netty's SslHandler for a handshake that never started.
     */
    NO_TLS(false, false),
    /** A fatal alert sent or received, any other TLS failure, or the handshake timeout. */
    FATAL(true, true),
    /**
     * An I/O failure from below. It reaches {@code exceptionCaught} as the transport's own exception
     * when it came through {@code exceptionCaught}; a failed write reports it through its promise.
     */
    TRANSPORT(true, false),
    /** {@code CLOSE_NOTIFY_FLUSH_TIMEOUT_MILLIS} passed while close() still waited. */
    CLOSE_TIMEOUT(false, false),
    /** The handler left the pipeline: no events, and the channel is the application's again. */
    REMOVED(false, false);

    /** The connection was broken, not closed: writes refused afterwards say it "failed". */
    final boolean failed;
    /** The cause goes to {@code exceptionCaught}, once. */
    final boolean reportsException;

    Ending(boolean failed, boolean reportsException) {
        this.failed = failed;
        this.reportsException = reportsException;
    }
}
