package io.sslwrite;

/**
 * The phase of one TLS connection, the one place that says whether application data may be written.
 *
 * <pre>
 *   HANDSHAKING   --handshake completes-------------------&gt; OPEN
 *   HANDSHAKING   --close() / channel closed---------------&gt; CLOSED
 *   OPEN          --peer starts a TLS 1.2 renegotiation----&gt; RENEGOTIATING
 *   RENEGOTIATING --renegotiation completes----------------&gt; OPEN
 *   OPEN          --close()--------------------------------&gt; CLOSING
 *   OPEN, RENEGOTIATING, CLOSING --close_notify, EOF-------&gt; CLOSED
 *   any but CLOSED, FAILED --fatal alert, transport error--&gt; FAILED
 * </pre>
 *
 * CLOSED and FAILED are terminal. A {@code close()} during a renegotiation is remembered by the
 * handler and takes effect (OPEN -&gt; CLOSING) once the renegotiation completes, so that queued
 * writes still drain before close_notify.
 */
enum ConnectionState {
    HANDSHAKING,
    OPEN,
    RENEGOTIATING,
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

    /** Writes are still accepted into the queue (they wait in HANDSHAKING and RENEGOTIATING). */
    boolean acceptsWrites() {
        return this == HANDSHAKING || this == OPEN || this == RENEGOTIATING;
    }

    boolean isTerminal() {
        return this == CLOSED || this == FAILED;
    }

    ConnectionState moveTo(ConnectionState next) {
        boolean allowed = switch (this) {
            case HANDSHAKING -> next == OPEN || next == CLOSED || next == FAILED;
            case OPEN -> next == RENEGOTIATING || next == CLOSING || next == CLOSED || next == FAILED;
            case RENEGOTIATING -> next == OPEN || next == CLOSED || next == FAILED;
            case CLOSING -> next == CLOSED || next == FAILED;
            case CLOSED, FAILED -> false;
        };
        if (!allowed) {
            throw new IllegalStateException("connection state " + this + " -> " + next);
        }
        return next;
    }
}
