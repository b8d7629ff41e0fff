package io.sslwrite;

import org.bouncycastle.tls.Certificate;
import org.bouncycastle.tls.ProtocolName;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.SecurityParameters;
import org.bouncycastle.tls.TlsContext;
import org.bouncycastle.tls.TlsPeer;
import org.bouncycastle.tls.crypto.TlsCertificate;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCertificate;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;

/**
 * The negotiated parameters of a connection, read after the handshake (DESIGN §3). It is a snapshot:
 * a later renegotiation makes a new one.
 */
public final class SslWriteSession {

    /**
     * A peer that remembers the group of a TLS 1.2 ECDHE exchange: bctls's {@code SecurityParameters}
     * records the negotiated group for TLS 1.3 key shares only (and bctls-fips's not even those).
     */
    interface Tls12GroupSource {
        /** The curve of the TLS 1.2 ServerKeyExchange, or -1. */
        int tls12Group();

        /**
         * The TLS 1.3 key-share group as the peer saw it, or -1: for bctls-fips, whose
         * {@code SecurityParameters} has no negotiated group.
         */
        int tls13Group();
    }

    /** A peer that knows the SNI host name of its connection: the one a client sent, or a server received. */
    interface ServerNameSource {
        /** The host name, or null when none was sent. */
        String serverName();
    }

    private static final X509Certificate[] NO_CERTIFICATES = new X509Certificate[0];

    private final String protocol;
    private final String cipherSuite;
    private final String namedGroup;
    private final String applicationProtocol;
    private final X509Certificate[] peerCertificates;
    private final int renegotiations;
    private final String serverName;
    private final boolean resumed;

    /**
     * Snapshot of {@code context}'s connection parameters after a completed handshake; the bctls peer
     * of the connection (made by its {@code PeerFactory}) lets a TLS 1.2 connection report its ECDHE
     * curve too.
     */
    SslWriteSession(TlsContext context, TlsPeer peer, int renegotiations) {
        SecurityParameters params = context.getSecurityParametersConnection();
        if (params == null) {
            throw new IllegalStateException("no completed handshake on this connection yet");
        }
        this.protocol = protocolName(params.getNegotiatedVersion());
        this.cipherSuite = CipherSuites.name(params.getCipherSuite());
        int group = NamedGroups.negotiated(params);
        if (group < 0 && peer instanceof Tls12GroupSource) {
            Tls12GroupSource source = (Tls12GroupSource) peer;
            group = source.tls12Group() >= 0 ? source.tls12Group() : source.tls13Group();
        }
        this.namedGroup = group < 0 ? null : NamedGroups.name(group);
        ProtocolName alpn = params.getApplicationProtocol();
        this.applicationProtocol = alpn == null ? null : alpn.getUtf8Decoding();
        X509Certificate[] certs;
        try {
            certs = toX509(params.getPeerCertificate());
        } catch (IOException e) {
            // The handshake already parsed and verified these; failing now would be a bctls bug.
            throw new IllegalStateException("cannot decode the peer's certificates", e);
        }
        this.peerCertificates = certs;
        this.renegotiations = renegotiations;
        this.serverName = peer instanceof ServerNameSource source ? source.serverName() : null;
        this.resumed = params.isResumedSession();
    }

    /** {@return "TLSv1.3" or "TLSv1.2"} */
    public String protocol() { return protocol; }

    /** {@return the cipher suite's IANA name, e.g. "TLS_AES_128_GCM_SHA256"} */
    public String cipherSuite() { return cipherSuite; }

    /** {@return the key-exchange group: "x25519", "X25519MLKEM768", "secp256r1", ... ; null if no group was used} */
    public String namedGroup() { return namedGroup; }

    /** {@return the ALPN protocol, or null} */
    public String applicationProtocol() { return applicationProtocol; }

    /** {@return the peer's chain, leaf first (a copy); empty if the peer sent none} */
    public X509Certificate[] peerCertificates() { return peerCertificates.clone(); }

    /** {@return the completed renegotiations on this connection} */
    public int renegotiations() { return renegotiations; }

    /**
     * {@return the SNI host name (RFC 6066 §3) of the connection: on a server, the name the client asked for;
     * on a client, the name it sent; null when there was none (no name given, or an IP address)}
     */
    public String serverName() { return serverName; }

    /** {@return whether the handshake resumed an earlier TLS 1.2 session (an abbreviated handshake, RFC 5246 §7.3)} */
    public boolean isResumed() { return resumed; }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("SslWriteSession(").append(protocol).append(", ").append(cipherSuite);
        if (namedGroup != null) {
            sb.append(", ").append(namedGroup);
        }
        if (applicationProtocol != null) {
            sb.append(", alpn=").append(applicationProtocol);
        }
        if (peerCertificates.length > 0) {
            sb.append(", peer=").append(peerCertificates[0].getSubjectX500Principal().getName());
        }
        return sb.append(", renegotiations=").append(renegotiations).append(')').toString();
    }

    private static String protocolName(ProtocolVersion version) {
        if (ProtocolVersion.TLSv13.equals(version)) {
            return "TLSv1.3";
        }
        if (ProtocolVersion.TLSv12.equals(version)) {
            return "TLSv1.2";
        }
        return String.valueOf(version);
    }

    /** A bctls Certificate message as JDK certificates, leaf first; empty for null or an empty message. */
    static X509Certificate[] toX509(Certificate certificate) throws IOException {
        if (certificate == null || certificate.isEmpty()) {
            return NO_CERTIFICATES;
        }
        TlsCertificate[] list = certificate.getCertificateList();
        X509Certificate[] out = new X509Certificate[list.length];
        CertificateFactory factory = null;
        for (int i = 0; i < list.length; i++) {
            if (list[i] instanceof JcaTlsCertificate) {
                out[i] = ((JcaTlsCertificate) list[i]).getX509Certificate();
                continue;
            }
            try {
                if (factory == null) {
                    factory = CertificateFactory.getInstance("X.509");
                }
                out[i] = (X509Certificate) factory.generateCertificate(new ByteArrayInputStream(list[i].getEncoded()));
            } catch (CertificateException e) {
                throw new IOException("certificate " + i + " of the peer's chain cannot be decoded", e);
            }
        }
        return out;
    }
}
