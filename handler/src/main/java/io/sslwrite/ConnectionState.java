package io.sslwrite;

/**
 * The phase of one TLS connection: the one place that says whether application data may be written,
 * whether a handshake is being read, whether the connection has ended, and whether its channel is
 * still to be closed.
 *
 * <pre>
 *   PLAINTEXT     --first flush passed in plaintext, or first input (STARTTLS)--&gt; NEW
 *   NEW           --channel active---------------------------------------------&gt; HANDSHAKING
 *   HANDSHAKING   --handshake completes----------------------------------------&gt; OPEN
 *   OPEN          --peer starts a TLS 1.2 renegotiation-------------------------&gt; RENEGOTIATING
 *   RENEGOTIATING --renegotiation completes-------------------------------------&gt; OPEN
 *   RENEGOTIATING --close()-----------------------------------------------------&gt; CLOSE_AFTER_RENEGOTIATION
 *   CLOSE_AFTER_RENEGOTIATION --renegotiation completes-------------------------&gt; CLOSING
 *   OPEN          --close()-----------------------------------------------------&gt; CLOSING
 *   any of the above --an ending ({@link Connection#end}: queue drained after close(), close_notify
 *                      received, EOF, fatal alert, I/O failure, a timer, handler removed)--&gt; DRAINING
 *   DRAINING      --last bytes written (after a fatal alert: the peer's EOF), close timer, I/O
 *                   failure, channel inactive, handler removed--------------------&gt; CLOSED
 * </pre>
 *
 * <p>What arrives in DRAINING does one thing each: {@code close()} (the application's, or a promise
 * listener's) joins the drain, its promise completing when the channel closes; the close timer closes
 * the channel; a write is refused; input is read and dropped; another ending does nothing. In CLOSED
 * the channel is closed or closing, and {@code close()} only completes its promise when it is.
 * How the connection ended (cleanly or not) is the {@link Ending}, not the phase.
 */
enum ConnectionState {
    /** STARTTLS: writes pass in plaintext until the first flush (Netty's {@code SslHandler(engine, true)}). */
    PLAINTEXT,
    NEW,
    HANDSHAKING,
    OPEN,
    RENEGOTIATING,
    CLOSE_AFTER_RENEGOTIATION,
    CLOSING,
    /** Ended: the last alert or close_notify is leaving, the channel is open, the close timer runs. */
    DRAINING,
    /** Ended, and the channel is closed or closing (or no longer ours: the handler was removed). */
    CLOSED;

    /**
     * §4.6: no application record while a handshake is being read (OpenSSL peers abort with
     * {@code unexpected record} on application data after their ServerHello).
     */
    boolean mayWriteApplicationData() {
        return this == OPEN || this == CLOSING;
    }

    /**
     * The initial handshake has not completed: {@code handshakeFuture()} is pending, and a failure now
     * is an {@code SSLHandshakeException} and a failed {@code SslHandshakeCompletionEvent}.
     */
    boolean isBeforeHandshake() {
        return this == PLAINTEXT || this == NEW || this == HANDSHAKING;
    }

    /**
     * A handshake, initial or renegotiation, is being read: read it even with autoRead off (as Netty's
     * SslHandler does until its handshake future is done, STARTTLS's plaintext phase included).
     */
    boolean readsHandshake() {
        return isBeforeHandshake() || this == RENEGOTIATING || this == CLOSE_AFTER_RENEGOTIATION;
    }

    /** {@code close()} was called and the queued writes are draining before close_notify. */
    boolean isClosing() {
        return this == CLOSING || this == CLOSE_AFTER_RENEGOTIATION;
    }

    /** The connection has ended (§4.7): nothing more is encrypted or decrypted. */
    boolean hasEnded() {
        return this == DRAINING || this == CLOSED;
    }

    ConnectionState moveTo(ConnectionState next) {
        boolean allowed = switch (this) {
            case PLAINTEXT -> next == NEW || next == DRAINING;
            case NEW -> next == HANDSHAKING || next == DRAINING;
            case HANDSHAKING -> next == OPEN || next == DRAINING;
            case OPEN -> next == RENEGOTIATING || next == CLOSING || next == DRAINING;
            case RENEGOTIATING -> next == OPEN || next == CLOSE_AFTER_RENEGOTIATION || next == DRAINING;
            case CLOSE_AFTER_RENEGOTIATION -> next == CLOSING || next == DRAINING;
            case CLOSING -> next == DRAINING;
            case DRAINING -> next == CLOSED;
            case CLOSED -> false;
        };
        if (!allowed) {
            throw new IllegalStateException("connection state " + this + " -> " + next);
        }
        return next;
    }
}
