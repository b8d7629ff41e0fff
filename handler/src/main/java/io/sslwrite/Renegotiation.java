package io.sslwrite;

/**
 * The answer to a peer's TLS 1.2 renegotiation (option {@link SslWriteOption#RENEGOTIATION}).
 * A peer without RFC 5746 secure renegotiation is always refused, whatever the option says.
 */
public enum Renegotiation {
    /** Refuse with a warning alert {@code no_renegotiation(100)}; the peer decides whether to go on. */
    DENY,
    /**
     * Clients: drop the HelloRequest silently (RFC 5246 §7.4.1.1 allows it). Servers treat IGNORE as
     * DENY: a dropped ClientHello would leave the peer waiting forever.
     */
    IGNORE,
    /** Renegotiate; application writes pause until the new handshake completes. */
    ACCEPT
}
