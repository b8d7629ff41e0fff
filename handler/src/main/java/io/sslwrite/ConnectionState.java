package io.sslwrite;

/**
 * The phase of one TLS connection: the one place that says whether application data may be written,
 * whether a handshake is being read, and whether the connection has ended.
 *
 * <pre>
 *   PLAINTEXT     --first flush passed in plaintext (STARTTLS)--&gt; NEW
 *   NEW           --channel active--------------------------&gt; HANDSHAKING
 *   HANDSHAKING   --handshake completes---------------------&gt; OPEN
 *   OPEN          --peer starts a TLS 1.2 renegotiation------&gt; RENEGOTIATING
 *   RENEGOTIATING --renegotiation completes------------------&gt; OPEN
 *   RENEGOTIATING --close()----------------------------------&gt; CLOSE_AFTER_RENEGOTIATION
 *   CLOSE_AFTER_RENEGOTIATION --renegotiation completes------&gt; CLOSING
 *   OPEN          --close()----------------------------------&gt; CLOSING
 *   any but CLOSED, FAILED --close_notify sent or received, EOF, close() while handshaking,
 *                            close timeout, handler removed--&gt; CLOSED
 *   any but CLOSED, FAILED --fatal alert, TLS or transport failure, handshake timeout--&gt; FAILED
 * </pre>
 *
 * CLOSED and FAILED are terminal: the connection has ended (§4.7), and only the channel's own close
 * (after the last alert or close_notify is written) is still to come. CLOSING drains the queued
 * writes, then sends close_notify (bctls's {@code close()} ends both directions, so it waits).
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
    CLOSED,
    FAILED;

    /**
     * §4.6: no application record while a handshake is being read (OpenSSL peers abort with
     * {@code unexpected record} on application data after their ServerHello).
     */
    boolean mayWriteApplicationData() {
        return this == OPEN || this == CLOSING;
    }

    /**
     * A handshake, initial or renegotiation, is not finished: read it even with autoRead off (as Netty's
     * SslHandler does until its handshake future is done, STARTTLS's plaintext phase included).
     */
    boolean isHandshaking() {
        return this == PLAINTEXT || this == NEW || this == HANDSHAKING || this == RENEGOTIATING
                || this == CLOSE_AFTER_RENEGOTIATION;
    }

    /** {@code close()} was called and the queued writes are draining before close_notify. */
    boolean isClosing() {
        return this == CLOSING || this == CLOSE_AFTER_RENEGOTIATION;
    }

    boolean isTerminal() {
        return this == CLOSED || this == FAILED;
    }

    ConnectionState moveTo(ConnectionState next) {
        boolean allowed = switch (this) {
            case PLAINTEXT -> next == NEW || next == CLOSED || next == FAILED;
            case NEW -> next == HANDSHAKING || next == CLOSED || next == FAILED;
            case HANDSHAKING -> next == OPEN || next == CLOSED || next == FAILED;
            case OPEN -> next == RENEGOTIATING || next == CLOSING || next == CLOSED || next == FAILED;
            case RENEGOTIATING -> next == OPEN || next == CLOSE_AFTER_RENEGOTIATION || next == CLOSED || next == FAILED;
            case CLOSE_AFTER_RENEGOTIATION -> next == CLOSING || next == CLOSED || next == FAILED;
            case CLOSING -> next == CLOSED || next == FAILED;
            case CLOSED, FAILED -> false;
        };
        if (!allowed) {
            throw new IllegalStateException("connection state " + this + " -> " + next);
        }
        return next;
    }
}
