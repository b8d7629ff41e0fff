package io.sslwrite.testing;

import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;

import java.io.File;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/**
 * Server certificates for other host names than {@code localhost}, issued by {@link TestPki}'s CA, for tests of
 * certificate selection by SNI: each has its names as DNS subjectAltNames and the first as its common name, so
 * that a peer's printout of the subject says which one came back.
 */
public final class NamedCertificates {

    /** A chain (leaf, then the CA) and its PKCS#8 key, as PEM files. */
    public record Issued(File chainPem, File keyPem, X509Certificate leaf) { }

    private NamedCertificates() {
    }

    /** An EC P-256 certificate for {@code names} (DNS names; a leading "*." makes a wildcard). */
    public static Issued ec(String... names) {
        return issue(false, names);
    }

    /** An RSA 2048 certificate for {@code names}. */
    public static Issued rsa(String... names) {
        return issue(true, names);
    }

    private static Issued issue(boolean rsa, String... names) {
        try {
            Instant notBefore = Instant.now().minus(1, ChronoUnit.DAYS);
            CertificateBuilder builder = new CertificateBuilder()
                    .notBefore(notBefore).notAfter(notBefore.plus(3650, ChronoUnit.DAYS))
                    .subject("CN=" + names[0])
                    .setKeyUsage(true, CertificateBuilder.KeyUsage.digitalSignature,
                            CertificateBuilder.KeyUsage.keyEncipherment)
                    .addExtendedKeyUsageServerAuth();
            builder = rsa ? builder.rsa2048() : builder.ecp256();
            // subjectAltName written here: the builder's addSanDnsName parses names as URI hosts, which "*." is not.
            GeneralName[] dnsNames = new GeneralName[names.length];
            for (int i = 0; i < names.length; i++) {
                dnsNames[i] = new GeneralName(GeneralName.dNSName, names[i]);
            }
            builder.addExtensionOctetString(Extension.subjectAlternativeName.getId(), false,
                    new GeneralNames(dnsNames).getEncoded(ASN1Encoding.DER));
            X509Bundle bundle = builder.buildIssuedBy(TestPki.caBundle());
            String base = (rsa ? "rsa-" : "ec-") + names[0].replace("*", "wildcard").toLowerCase(Locale.ROOT);
            File chain = TestPki.writeFile(base + ".pem", TestPki.pem(bundle.getCertificate(), TestPki.caCertificate()));
            File key = TestPki.writeFile(base + ".key", TestPki.pem(bundle.getKeyPair().getPrivate()));
            return new Issued(chain, key, bundle.getCertificate());
        } catch (Exception e) {
            throw new IllegalStateException("cannot issue a test certificate for " + String.join(", ", names), e);
        }
    }
}
