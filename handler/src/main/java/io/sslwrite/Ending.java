package io.sslwrite;

/**
 * The ways a connection ends (§4.7). {@link Connection#end} settles the same things for each (state,
 * queued writes, writability, the three futures, events, timers); what differs is written here: the
 * terminal state, whether the peer closed cleanly, whether {@code exceptionCaught} fires, and how the
 * channel is closed afterwards ({@link ClosePath#sendLastBytes}, {@link ClosePath#closeAfterLastBytes}).
 */
enum Ending {
    /** Our close_notify after the queue drained, or {@code close()} before the handshake completed. */
    LOCAL_CLOSE(ConnectionState.CLOSED),
    /** The peer's close_notify: bctls has queued ours in answer (RFC 5246 §7.2.1, RFC 8446 §6.1). */
    PEER_CLOSE_NOTIFY(ConnectionState.CLOSED),
    /** The peer's EOF without close_notify: truncation, reported without {@code exceptionCaught}. */
    EOF(ConnectionState.CLOSED),
    /** A fatal alert sent or received, any other TLS failure, or the handshake timeout. */
    FATAL(ConnectionState.FAILED),
    /** An I/O failure from below; the exception is passed on by whoever caught it. */
    TRANSPORT(ConnectionState.FAILED),
    /** {@code CLOSE_NOTIFY_FLUSH_TIMEOUT_MILLIS} passed while close() still waited. */
    CLOSE_TIMEOUT(ConnectionState.CLOSED),
    /** The handler left the pipeline; the channel is no longer ours to close. */
    REMOVED(ConnectionState.CLOSED);

    final ConnectionState state;

    Ending(ConnectionState state) {
        this.state = state;
    }
}
