package io.sslwrite;

import org.bouncycastle.tls.TlsContext;

import java.security.cert.X509Certificate;

/**
 * SKELETON: the negotiated parameters of a connection, read after the handshake (DESIGN §3).
 */
public final class SslWriteSession {

    /** Snapshot of {@code context}'s connection parameters after a completed handshake. */
    SslWriteSession(TlsContext context, int renegotiations) { throw new UnsupportedOperationException(); }

    /** "TLSv1.3" or "TLSv1.2". */
    public String protocol() { throw new UnsupportedOperationException(); }
    /** IANA name, e.g. "TLS_AES_128_GCM_SHA256". */
    public String cipherSuite() { throw new UnsupportedOperationException(); }
    /** "x25519", "X25519MLKEM768", "secp256r1", ... ; null if no group was used. */
    public String namedGroup() { throw new UnsupportedOperationException(); }
    /** ALPN protocol, or null. */
    public String applicationProtocol() { throw new UnsupportedOperationException(); }
    /** The peer's chain, leaf first (a copy); empty if the peer sent none. */
    public X509Certificate[] peerCertificates() { throw new UnsupportedOperationException(); }
    /** Completed renegotiations on this connection. */
    public int renegotiations() { throw new UnsupportedOperationException(); }
}
