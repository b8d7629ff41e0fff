package io.sslwrite;

import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.Certificate;
import org.bouncycastle.tls.CertificateEntry;
import org.bouncycastle.tls.SignatureAndHashAlgorithm;
import org.bouncycastle.tls.SignatureScheme;
import org.bouncycastle.tls.TlsContext;
import org.bouncycastle.tls.TlsCredentialedSigner;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.crypto.TlsCertificate;
import org.bouncycastle.tls.crypto.TlsCryptoParameters;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaDefaultTlsCredentialedSigner;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCertificate;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;

import java.io.IOException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECKey;
import java.security.interfaces.RSAKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Vector;

/**
 * A private key and its certificate chain (leaf first), and the choice of signature scheme for a
 * handshake. bctls's {@code DefaultTlsServer}/{@code DefaultTlsClient} leave the choice to the peer
 * class (its JSSE provider makes it in {@code ProvTlsServer.selectServerCredentials12/13}); this is the
 * same rule for one key:
 *
 * <ul>
 *   <li>TLS 1.3 (RFC 8446 §4.2.3): an ECDSA scheme names its curve, so a P-256 key signs only with
 *       ecdsa_secp256r1_sha256; RSA keys sign with RSA-PSS (rsa_pss_rsae_*) only.</li>
 *   <li>TLS 1.2 (RFC 5246 §7.4.1.4.1): ECDSA with any SHA-2 hash, RSA with PSS or PKCS#1 v1.5.</li>
 * </ul>
 * The peer's list is walked in its order of preference, and the first scheme that fits the key and
 * that the crypto implements wins.
 */
final class KeyCredentials {

    final PrivateKey key;
    /** Leaf first; never empty. */
    final X509Certificate[] chain;

    KeyCredentials(PrivateKey key, X509Certificate[] chain) {
        this.key = key;
        this.chain = chain.clone();
    }

    /**
     * A key and chain as the builder's setters take them.
     *
     * @param setter the call, for the message, e.g. {@code keyManager()}
     * @throws IllegalArgumentException for an empty chain; NullPointerException for a null key or certificate
     */
    static KeyCredentials of(String setter, PrivateKey key, X509Certificate[] chain) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(chain, "certChain");
        if (chain.length == 0) {
            throw new IllegalArgumentException(setter + ": empty certificate chain (expected the leaf first)");
        }
        for (X509Certificate c : chain) {
            Objects.requireNonNull(c, "certChain contains null");
        }
        return new KeyCredentials(key, chain);
    }

    /**
     * "EC" or "RSA", the key types sslwrite signs with; otherwise the key's JCA algorithm name, which
     * {@link #fits} refuses. (Edwards keys are left out: the JDK names their private keys "EdDSA", which
     * bctls's {@code JcaDefaultTlsCredentialedSigner} does not recognise.)
     */
    String keyType() {
        PublicKey pub = chain[0].getPublicKey();
        if (pub instanceof ECKey) {
            return "EC";
        }
        if (pub instanceof RSAKey && !"RSASSA-PSS".equalsIgnoreCase(pub.getAlgorithm())) {
            return "RSA";
        }
        return pub.getAlgorithm();
    }

    /** {@code true} for the key types {@link #keyType()} can sign with. */
    boolean isSupportedKeyType() {
        String type = keyType();
        return type.equals("EC") || type.equals("RSA");
    }

    /** For messages: "EC P-256", "RSA 2048". */
    String describeKey() {
        PublicKey pub = chain[0].getPublicKey();
        if (pub instanceof ECKey) {
            return "EC P-" + ((ECKey) pub).getParams().getCurve().getField().getFieldSize();
        }
        if (pub instanceof RSAKey) {
            return "RSA " + ((RSAKey) pub).getModulus().bitLength();
        }
        return keyType();
    }

    /**
     * The signer for this handshake.
     *
     * @param peerSigAlgs the peer's signature_algorithms, {@link SignatureAndHashAlgorithm}s in its order
     *        of preference; null for a TLS 1.2 peer that sent none (RFC 5246 §7.4.1.4.1 defaults)
     * @param certificateRequestContext TLS 1.3: the context of the CertificateRequest (empty for the
     *        server's own certificate); null for TLS 1.2
     */
    TlsCredentialedSigner signer(TlsContext context, JcaTlsCrypto crypto, Vector<?> peerSigAlgs,
                                 boolean tls13, byte[] certificateRequestContext) throws IOException {
        SignatureAndHashAlgorithm chosen = null;
        if (peerSigAlgs != null) {
            for (Object o : peerSigAlgs) {
                SignatureAndHashAlgorithm alg = (SignatureAndHashAlgorithm) o;
                int scheme = SignatureScheme.from(alg);
                if (fits(scheme, tls13) && crypto.hasSignatureScheme(scheme)) {
                    chosen = alg;
                    break;
                }
            }
            if (chosen == null) {
                List<String> offered = new ArrayList<>();
                for (Object o : peerSigAlgs) {
                    offered.add(SignatureScheme.getName(SignatureScheme.from((SignatureAndHashAlgorithm) o)));
                }
                throw new TlsFatalAlert(AlertDescription.handshake_failure, "none of the signature algorithms the"
                        + " peer accepts fits our " + describeKey() + " key (peer offered " + offered
                        + "); use a certificate with a key type the peer supports");
            }
        } else if (tls13) {
            // RFC 8446 §4.2.3: signature_algorithms is mandatory with certificate authentication.
            throw new TlsFatalAlert(AlertDescription.missing_extension, "peer sent no signature_algorithms");
        }
        TlsCryptoParameters params = new TlsCryptoParameters(context);
        Certificate certificate = certificateMessage(crypto, tls13 ? certificateRequestContext : null);
        if (crypto instanceof SslWriteCrypto) {
            return ((SslWriteCrypto) crypto).credentialedSigner(params, key, certificate, chosen);
        }
        return new JcaDefaultTlsCredentialedSigner(params, crypto, key, certificate, chosen);
    }

    /** Whether this key can sign with {@code scheme} in the given protocol version. */
    boolean fits(int scheme, boolean tls13) {
        switch (keyType()) {
            case "EC": {
                if (tls13) {
                    int bits = ((ECKey) chain[0].getPublicKey()).getParams().getCurve().getField().getFieldSize();
                    return (bits == 256 && scheme == SignatureScheme.ecdsa_secp256r1_sha256)
                            || (bits == 384 && scheme == SignatureScheme.ecdsa_secp384r1_sha384)
                            || (bits == 521 && scheme == SignatureScheme.ecdsa_secp521r1_sha512);
                }
                return scheme == SignatureScheme.ecdsa_secp256r1_sha256
                        || scheme == SignatureScheme.ecdsa_secp384r1_sha384
                        || scheme == SignatureScheme.ecdsa_secp521r1_sha512;
            }
            case "RSA": {
                boolean pss = scheme == SignatureScheme.rsa_pss_rsae_sha256
                        || scheme == SignatureScheme.rsa_pss_rsae_sha384
                        || scheme == SignatureScheme.rsa_pss_rsae_sha512;
                if (tls13) {
                    return pss;
                }
                return pss || scheme == SignatureScheme.rsa_pkcs1_sha256
                        || scheme == SignatureScheme.rsa_pkcs1_sha384
                        || scheme == SignatureScheme.rsa_pkcs1_sha512;
            }
            default:
                return false;
        }
    }

    /** The Certificate message: TLS 1.3 entries carry a request context (RFC 8446 §4.4.2), TLS 1.2 not. */
    private Certificate certificateMessage(JcaTlsCrypto crypto, byte[] certificateRequestContext) {
        if (certificateRequestContext == null) {
            TlsCertificate[] list = new TlsCertificate[chain.length];
            for (int i = 0; i < chain.length; i++) {
                list[i] = new JcaTlsCertificate(crypto, chain[i]);
            }
            return new Certificate(list);
        }
        CertificateEntry[] entries = new CertificateEntry[chain.length];
        for (int i = 0; i < chain.length; i++) {
            entries[i] = new CertificateEntry(new JcaTlsCertificate(crypto, chain[i]), null);
        }
        return new Certificate(certificateRequestContext, entries);
    }
}
