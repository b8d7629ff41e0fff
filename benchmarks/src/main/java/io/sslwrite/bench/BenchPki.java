package io.sslwrite.bench;

import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Certificates made at start-up, once per JVM, for each {@link CertificateType}: a CA and a server
 * certificate it signed for {@code localhost}, both of that type (an EC P-256 CA signs the EC server
 * certificate, an RSA 2048 CA the RSA one), so a handshake verifies two signatures of one algorithm.
 * Every contestant gets the same keys, so the handshake numbers compare the same signature and
 * verification work.
 */
final class BenchPki {

    private static final class Holder {
        static final BenchPki EC = new BenchPki(CertificateType.EC_P256);
        static final BenchPki RSA = new BenchPki(CertificateType.RSA_2048);
    }

    private final X509Bundle ca;
    private final X509Bundle server;

    private BenchPki(CertificateType type) {
        try {
            // Backdated a day: a certificate made this second must already be valid for every engine's clock check.
            Instant notBefore = Instant.now().minus(1, ChronoUnit.DAYS);
            CertificateBuilder base = new CertificateBuilder()
                    .notBefore(notBefore)
                    .notAfter(notBefore.plus(30, ChronoUnit.DAYS));
            CertificateBuilder caBase = base.copy().subject("CN=sslwrite benchmark CA");
            CertificateBuilder serverBase = base.copy().subject("CN=localhost");
            if (type == CertificateType.RSA_2048) {
                caBase.rsa2048();
                serverBase.rsa2048();
            } else {
                caBase.ecp256();
                serverBase.ecp256();
            }
            ca = caBase
                    .setIsCertificateAuthority(true)
                    .setKeyUsage(true, CertificateBuilder.KeyUsage.keyCertSign, CertificateBuilder.KeyUsage.cRLSign)
                    .buildSelfSigned();
            server = serverBase
                    .addSanDnsName("localhost")
                    .setKeyUsage(true, CertificateBuilder.KeyUsage.digitalSignature)
                    .addExtendedKeyUsageServerAuth()
                    .buildIssuedBy(ca);
        } catch (Exception e) {
            throw new IllegalStateException("could not make the benchmark certificates", e);
        }
    }

    /** The EC P-256 certificates, which every benchmark but the handshake's uses. */
    static BenchPki get() {
        return get(CertificateType.EC_P256);
    }

    static BenchPki get(CertificateType type) {
        return type == CertificateType.RSA_2048 ? Holder.RSA : Holder.EC;
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
