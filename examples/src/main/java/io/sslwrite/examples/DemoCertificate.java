package io.sslwrite.examples;

import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;

/**
 * The certificate the demo serves when it is given none: a throw-away CA and a server certificate it
 * signed for {@code localhost} and {@code 127.0.0.1}, written as PEM files to a new temporary directory.
 *
 * <p>Why a CA and not one self-signed server certificate: {@code curl --cacert ca.pem} then verifies the
 * server exactly as it would a real one (chain, host name, key usage), so the demo shows verified TLS
 * rather than {@code curl -k}.
 */
final class DemoCertificate implements AutoCloseable {

    private final Path directory;
    private final Path caPem;
    private final Path chainPem;
    private final Path keyPem;

    private DemoCertificate(Path directory) {
        this.directory = directory;
        this.caPem = directory.resolve("ca.pem");
        this.chainPem = directory.resolve("server-chain.pem");
        this.keyPem = directory.resolve("server-key.pem");
    }

    /** Makes the CA and the server certificate (EC P-256, valid from an hour ago for 30 days) and writes them. */
    static DemoCertificate create() throws Exception {
        // An hour of slack so that a client whose clock is a little behind still accepts the certificate.
        Instant notBefore = Instant.now().minus(Duration.ofHours(1));
        Instant notAfter = notBefore.plus(Duration.ofDays(30));
        X509Bundle ca = new CertificateBuilder()
                .subject("CN=sslwrite demo CA")
                .notBefore(notBefore).notAfter(notAfter)
                .ecp256()
                .setIsCertificateAuthority(true)
                .setKeyUsage(true, CertificateBuilder.KeyUsage.keyCertSign, CertificateBuilder.KeyUsage.cRLSign)
                .buildSelfSigned();
        X509Bundle server = new CertificateBuilder()
                .subject("CN=localhost")
                .notBefore(notBefore).notAfter(notAfter)
                .ecp256()
                .addSanDnsName("localhost")
                .addSanIpAddress("127.0.0.1")
                .addSanIpAddress("::1")
                .setKeyUsage(true, CertificateBuilder.KeyUsage.digitalSignature)
                .addExtendedKeyUsageServerAuth()
                .buildIssuedBy(ca);

        DemoCertificate files = new DemoCertificate(Files.createTempDirectory("sslwrite-demo-"));
        Files.writeString(files.caPem, ca.getCertificatePEM());
        Files.writeString(files.chainPem, server.getCertificatePathPEM());
        Files.writeString(files.keyPem, server.getPrivateKeyPEM());
        restrictToOwner(files.keyPem);
        return files;
    }

    /** The CA certificate to give a client: {@code curl --cacert}. */
    Path caPem() { return caPem; }

    /** The server's certificate chain, leaf first. */
    Path chainPem() { return chainPem; }

    /** The server's private key, PKCS#8. */
    Path keyPem() { return keyPem; }

    /** Deletes the files: the key is of no use once the server that served it has stopped. */
    @Override
    public void close() {
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(file);
            }
            Files.deleteIfExists(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete the demo certificate in " + directory, e);
        }
    }

    private static void restrictToOwner(Path file) throws IOException {
        // Not every file system has POSIX permissions; the temporary directory is private enough there.
        if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        }
    }
}
