package io.sslwrite;

/**
 * Decides a peer's TLS 1.2 renegotiation for the protocol subclasses. bctls asks only after it has
 * checked RFC 5746 secure renegotiation and a server certificate ({@code TlsProtocol.handleRenegotiation});
 * without them it refuses on its own.
 */
interface RenegotiationGate {
    /**
     * @param handshaking whether bctls has a handshake in progress already
     * @return a {@code org.bouncycastle.tls.RenegotiationPolicy} constant
     */
    int peerRequestsRenegotiation(boolean handshaking);
}
