package io.sslwrite;

/**
 * Fired through the pipeline around a peer-initiated TLS 1.2 renegotiation: {@link #STARTED} when the
 * HelloRequest (client) or the new ClientHello (server) is accepted, {@link #COMPLETED} after the new
 * handshake's {@code SslHandshakeCompletionEvent}.
 */
public enum SslRenegotiationEvent {
    /** The peer's renegotiation was accepted; no application record is written until it completes. */
    STARTED,
    /** The renegotiation's handshake completed; writes go out again. */
    COMPLETED
}
