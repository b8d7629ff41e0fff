package io.sslwrite.testing;

import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;

/**
 * The test PKI, made once per JVM on first use: a CA (EC P-256), a server certificate it signed for
 * DNS {@code localhost} and IP {@code 127.0.0.1} (EC P-256, and an RSA 2048 variant for peers that
 * want RSA), a client certificate it signed, and an unrelated "wrong" CA. Every PEM file lives in
 * one temporary directory that is deleted when the JVM exits.
 *
 * <p>Certificate chains are written leaf first, then the CA; private keys as unencrypted PKCS#8
 * ({@code BEGIN PRIVATE KEY}), the form OpenSSL, the JDK and sslwrite all read.
 */
public final class TestPki {

    private static final class Holder {
        static final TestPki INSTANCE = create();
    }

    private final X509Bundle ca;
    private final X509Bundle server;
    private final X509Bundle rsaServer;
    private final X509Bundle client;
    private final X509Bundle wrongCa;
    private final Path dir;

    private TestPki(X509Bundle ca, X509Bundle server, X509Bundle rsaServer, X509Bundle client,
                    X509Bundle wrongCa, Path dir) {
        this.ca = ca;
        this.server = server;
        this.rsaServer = rsaServer;
        this.client = client;
        this.wrongCa = wrongCa;
        this.dir = dir;
    }

    /** The shared instance, created on the first call. */
    public static TestPki get() {
        return Holder.INSTANCE;
    }

    private static TestPki create() {
        try {
            // Backdated by a day so that a peer whose clock lags a little still accepts the certificates.
            Instant notBefore = Instant.now().minus(1, ChronoUnit.DAYS);
            Instant notAfter = notBefore.plus(3650, ChronoUnit.DAYS);
            CertificateBuilder base = new CertificateBuilder().notBefore(notBefore).notAfter(notAfter);

            X509Bundle ca = base.copy().subject("CN=sslwrite test CA").ecp256()
                    .setIsCertificateAuthority(true)
                    .setKeyUsage(true, CertificateBuilder.KeyUsage.keyCertSign, CertificateBuilder.KeyUsage.cRLSign)
                    .buildSelfSigned();
            X509Bundle server = base.copy().subject("CN=localhost").ecp256()
                    .addSanDnsName("localhost").addSanIpAddress("127.0.0.1")
                    .setKeyUsage(true, CertificateBuilder.KeyUsage.digitalSignature)
                    .addExtendedKeyUsageServerAuth()
                    .buildIssuedBy(ca);
            X509Bundle rsaServer = base.copy().subject("CN=localhost").rsa2048()
                    .addSanDnsName("localhost").addSanIpAddress("127.0.0.1")
                    .setKeyUsage(true, CertificateBuilder.KeyUsage.digitalSignature,
                            CertificateBuilder.KeyUsage.keyEncipherment)
                    .addExtendedKeyUsageServerAuth()
                    .buildIssuedBy(ca);
            X509Bundle client = base.copy().subject("CN=sslwrite test client").ecp256()
                    .setKeyUsage(true, CertificateBuilder.KeyUsage.digitalSignature)
                    .addExtendedKeyUsageClientAuth()
                    .buildIssuedBy(ca);
            X509Bundle wrongCa = base.copy().subject("CN=sslwrite wrong CA").ecp256()
                    .setIsCertificateAuthority(true)
                    .setKeyUsage(true, CertificateBuilder.KeyUsage.keyCertSign, CertificateBuilder.KeyUsage.cRLSign)
                    .buildSelfSigned();

            Path dir = Files.createTempDirectory("sslwrite-pki");
            dir.toFile().deleteOnExit();
            TestPki pki = new TestPki(ca, server, rsaServer, client, wrongCa, dir);
            pki.writeCerts("ca.pem", ca.getCertificate());
            pki.writeCerts("server.pem", server.getCertificate(), ca.getCertificate());
            pki.writeKey("server.key", server.getKeyPair().getPrivate());
            pki.writeCerts("rsa-server.pem", rsaServer.getCertificate(), ca.getCertificate());
            pki.writeKey("rsa-server.key", rsaServer.getKeyPair().getPrivate());
            pki.writeCerts("client.pem", client.getCertificate(), ca.getCertificate());
            pki.writeKey("client.key", client.getKeyPair().getPrivate());
            pki.writeCerts("wrong-ca.pem", wrongCa.getCertificate());
            return pki;
        } catch (Exception e) {
            throw new IllegalStateException("could not create the test PKI", e);
        }
    }

    // ---- PEM files ----

    /** The CA certificate. */
    public static File caPem() { return get().file("ca.pem"); }
    /** The EC server chain: leaf (localhost, 127.0.0.1), then the CA. */
    public static File serverCertPem() { return get().file("server.pem"); }
    /** The EC server key, PKCS#8. */
    public static File serverKeyPem() { return get().file("server.key"); }
    /** The RSA server chain: leaf (localhost, 127.0.0.1), then the CA. */
    public static File rsaServerCertPem() { return get().file("rsa-server.pem"); }
    /** The RSA server key, PKCS#8. */
    public static File rsaServerKeyPem() { return get().file("rsa-server.key"); }
    /** The client chain: leaf, then the CA. */
    public static File clientCertPem() { return get().file("client.pem"); }
    /** The client key, PKCS#8. */
    public static File clientKeyPem() { return get().file("client.key"); }
    /** A CA that signed none of the certificates here. */
    public static File wrongCaPem() { return get().file("wrong-ca.pem"); }

    // ---- Java objects ----

    public static X509Certificate caCertificate() { return get().ca.getCertificate(); }
    public static X509Certificate wrongCaCertificate() { return get().wrongCa.getCertificate(); }
    public static PrivateKey serverKey() { return get().server.getKeyPair().getPrivate(); }
    /** Leaf, then the CA. */
    public static X509Certificate[] serverChain() { return chain(get().server); }
    public static PrivateKey rsaServerKey() { return get().rsaServer.getKeyPair().getPrivate(); }
    /** Leaf, then the CA. */
    public static X509Certificate[] rsaServerChain() { return chain(get().rsaServer); }
    public static PrivateKey clientKey() { return get().client.getKeyPair().getPrivate(); }
    /** Leaf, then the CA. */
    public static X509Certificate[] clientChain() { return chain(get().client); }
    /** The CA as a bundle, to issue more certificates in a test (expired ones, other names). */
    public static X509Bundle caBundle() { return get().ca; }

    /** Writes {@code text} to a new file in the PKI's directory, for tests that need odd PEM files. */
    public static File writeFile(String name, String text) {
        Path p = get().dir.resolve(name);
        try {
            Files.writeString(p, text, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        p.toFile().deleteOnExit();
        return p.toFile();
    }

    /** PEM text of one or more certificates. */
    public static String pem(X509Certificate... certs) {
        StringBuilder sb = new StringBuilder();
        for (X509Certificate c : certs) {
            try {
                sb.append(pem("CERTIFICATE", c.getEncoded()));
            } catch (CertificateEncodingException e) {
                throw new IllegalStateException(e);
            }
        }
        return sb.toString();
    }

    /** PEM text of a PKCS#8 private key. */
    public static String pem(PrivateKey key) {
        return pem("PRIVATE KEY", key.getEncoded());
    }

    private static String pem(String type, byte[] der) {
        Base64.Encoder enc = Base64.getMimeEncoder(64, new byte[] {'\n'});
        return "-----BEGIN " + type + "-----\n" + enc.encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    private static X509Certificate[] chain(X509Bundle leaf) {
        return new X509Certificate[] {leaf.getCertificate(), get().ca.getCertificate()};
    }

    private File file(String name) {
        return dir.resolve(name).toFile();
    }

    private void writeCerts(String name, X509Certificate... certs) {
        writeFile0(name, pem(certs));
    }

    private void writeKey(String name, PrivateKey key) {
        writeFile0(name, pem(key));
    }

    private void writeFile0(String name, String text) {
        Path p = dir.resolve(name);
        try {
            Files.writeString(p, text, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        p.toFile().deleteOnExit();
    }
}
