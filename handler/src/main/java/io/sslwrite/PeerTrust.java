package io.sslwrite;

import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.TlsFatalAlert;

import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.util.Date;
import java.util.Objects;

/**
 * Decides whether a peer's certificate chain is trusted: PKIX path validation (RFC 5280) through an
 * {@link X509TrustManager}, then, for a client that knows the host it dialled, the host-name check of
 * RFC 6125 ({@link HostnameVerifier}). The JDK's PKIX trust manager also checks the leaf's extended key
 * usage (serverAuth or clientAuth) and, for the authType passed, its key usage; revocation is off,
 * as in the JDK's own default.
 *
 * <p>A rejection is a {@link TlsFatalAlert} whose message names the certificate, the reason and the
 * trust anchors loaded, so that the user can see which side is misconfigured.
 */
final class PeerTrust {

    private final X509TrustManager trustManager;
    /** "1 trust anchor loaded", "the JDK default trust store (142 trust anchors)". */
    private final String description;

    private PeerTrust(X509TrustManager trustManager, String description) {
        this.trustManager = trustManager;
        this.description = description;
    }

    /**
     * The CA certificates a builder's {@code trustManager(X509Certificate...)} takes, copied.
     *
     * @throws IllegalArgumentException for none; NullPointerException for a null certificate
     */
    static X509Certificate[] checkedAnchors(X509Certificate[] cas) {
        Objects.requireNonNull(cas, "cas");
        if (cas.length == 0) {
            throw new IllegalArgumentException("trustManager(): no CA certificate given");
        }
        for (X509Certificate ca : cas) {
            Objects.requireNonNull(ca, "cas contains null");
        }
        return cas.clone();
    }

    /** Trusts exactly {@code anchors}. */
    static PeerTrust of(X509Certificate[] anchors) throws GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try {
            store.load(null, null);
        } catch (java.io.IOException e) {
            throw new GeneralSecurityException("cannot create an in-memory key store", e);
        }
        for (int i = 0; i < anchors.length; i++) {
            store.setCertificateEntry("anchor-" + i, anchors[i]);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(store);
        return new PeerTrust(x509(tmf), anchors.length + (anchors.length == 1 ? " trust anchor" : " trust anchors")
                + " loaded");
    }

    /** What {@code tmf}'s first {@link X509TrustManager} trusts. */
    static PeerTrust of(TrustManagerFactory tmf) throws GeneralSecurityException {
        X509TrustManager tm = x509(tmf);
        int n = tm.getAcceptedIssuers().length;
        return new PeerTrust(tm, "trust manager of " + tmf.getAlgorithm() + ", " + n
                + (n == 1 ? " trust anchor" : " trust anchors"));
    }

    /** The JDK's default trust store ({@code TrustManagerFactory.init((KeyStore) null)}). */
    static PeerTrust jdkDefault() throws GeneralSecurityException {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init((KeyStore) null);
        X509TrustManager tm = x509(tmf);
        return new PeerTrust(tm, "the JDK default trust store, " + tm.getAcceptedIssuers().length + " trust anchors");
    }

    private static X509TrustManager x509(TrustManagerFactory tmf) throws GeneralSecurityException {
        for (TrustManager tm : tmf.getTrustManagers()) {
            if (tm instanceof X509TrustManager) {
                return (X509TrustManager) tm;
            }
        }
        throw new GeneralSecurityException("the TrustManagerFactory (" + tmf.getAlgorithm()
                + ") has no X509TrustManager");
    }

    /** The CAs we accept, for the certificate_authorities of a CertificateRequest. */
    X509Certificate[] acceptedIssuers() {
        return trustManager.getAcceptedIssuers();
    }

    /**
     * Checks a server's chain and, when {@code peerHost} is not null, that the leaf names it.
     *
     * @param authType the key exchange for TLS 1.2 ("ECDHE_RSA"), "UNKNOWN" for TLS 1.3, as the JDK's
     *        trust manager expects: it decides the key usage bits to require from it
     */
    void checkServer(X509Certificate[] chain, String authType, String peerHost) throws TlsFatalAlert {
        check(chain, authType, true);
        if (peerHost != null) {
            HostnameVerifier.verify(peerHost, chain[0]);
        }
    }

    /** Checks a client's chain; {@code authType} is the leaf's key type ("EC", "RSA"). */
    void checkClient(X509Certificate[] chain, String authType) throws TlsFatalAlert {
        check(chain, authType, false);
    }

    private void check(X509Certificate[] chain, String authType, boolean server) throws TlsFatalAlert {
        String who = server ? "server" : "client";
        if (chain.length == 0) {
            throw new TlsFatalAlert(AlertDescription.bad_certificate, who + " sent no certificate");
        }
        X509Certificate leaf = chain[0];
        String subject = leaf.getSubjectX500Principal().getName();
        // Checked first, because the trust manager reports an expired leaf as a failed path, and the
        // date is what the user needs to see.
        Date now = new Date();
        if (now.after(leaf.getNotAfter())) {
            throw new TlsFatalAlert(AlertDescription.certificate_expired, who + " certificate for " + subject
                    + " expired on " + leaf.getNotAfter().toInstant() + "; the " + who + " must renew it");
        }
        if (now.before(leaf.getNotBefore())) {
            throw new TlsFatalAlert(AlertDescription.bad_certificate, who + " certificate for " + subject
                    + " is not valid before " + leaf.getNotBefore().toInstant() + "; check the clocks");
        }
        try {
            if (server) {
                trustManager.checkServerTrusted(chain.clone(), authType);
            } else {
                trustManager.checkClientTrusted(chain.clone(), authType);
            }
        } catch (CertificateException | RuntimeException e) {
            throw rejection(who, subject, e);
        }
    }

    private TlsFatalAlert rejection(String who, String subject, Exception e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CertificateExpiredException) {
                return new TlsFatalAlert(AlertDescription.certificate_expired, who + " certificate for " + subject
                        + " not trusted: a certificate of its chain has expired (" + t.getMessage() + ")", e);
            }
            if (t instanceof CertificateNotYetValidException) {
                return new TlsFatalAlert(AlertDescription.bad_certificate, who + " certificate for " + subject
                        + " not trusted: a certificate of its chain is not yet valid (" + t.getMessage() + ")", e);
            }
            if (t instanceof CertPathBuilderException) {
                return new TlsFatalAlert(AlertDescription.unknown_ca, who + " certificate for " + subject
                        + " not trusted: no path to a trust anchor (" + description + "); give trustManager(...)"
                        + " the CA that issued it", e);
            }
        }
        return new TlsFatalAlert(AlertDescription.certificate_unknown, who + " certificate for " + subject
                + " not trusted: " + e.getMessage() + " (" + description + ")", e);
    }

    @Override
    public String toString() {
        return description;
    }
}
