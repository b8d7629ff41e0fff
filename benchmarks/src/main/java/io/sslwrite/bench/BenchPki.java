package io.sslwrite.bench;

import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Certificates made at start-up, once per JVM: an EC P-256 CA and an EC P-256 server certificate it
 * signed for {@code localhost}. Every contestant gets the same key, so the handshake numbers compare
 * the same signature and verification work.
 */
final class BenchPki {

    private static final class Holder {
        static final BenchPki INSTANCE = new BenchPki();
    }

    private final X509Bundle ca;
    private final X509Bundle server;

    private BenchPki() {
        try {
            // Backdated a day: a certificate made this second must already be valid for every engine's clock check.
            Instant notBefore = Instant.now().minus(1, ChronoUnit.DAYS);
            CertificateBuilder base = new CertificateBuilder()
                    .notBefore(notBefore)
                    .notAfter(notBefore.plus(30, ChronoUnit.DAYS));
            ca = base.copy().subject("CN=sslwrite benchmark CA").ecp256()
                    .setIsCertificateAuthority(true)
                    .setKeyUsage(true, CertificateBuilder.KeyUsage.keyCertSign, CertificateBuilder.KeyUsage.cRLSign)
                    .buildSelfSigned();
            server = base.copy().subject("CN=localhost").ecp256()
                    .addSanDnsName("localhost")
                    .setKeyUsage(true, CertificateBuilder.KeyUsage.digitalSignature)
                    .addExtendedKeyUsageServerAuth()
                    .buildIssuedBy(ca);
        } catch (Exception e) {
            throw new IllegalStateException("could not make the benchmark certificates", e);
        }
    }

    static BenchPki get() {
        return Holder.INSTANCE;
    }

    X509Certificate caCertificate() {
        return ca.getCertificate();
    }

    PrivateKey serverKey() {
        return server.getKeyPair().getPrivate();
    }

    /** Leaf first, then the CA, as a server sends it. */
    X509Certificate[] serverChain() {
        return new X509Certificate[] {server.getCertificate(), ca.getCertificate()};
    }
}
