package io.sslwrite;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8DecryptorProviderBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMDecryptorProviderBuilder;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

import java.io.File;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Reads certificate chains and private keys from PEM files with bcpkix, in the forms OpenSSL writes:
 * PKCS#8 ({@code BEGIN PRIVATE KEY}), encrypted PKCS#8 ({@code BEGIN ENCRYPTED PRIVATE KEY}), PKCS#1
 * ({@code BEGIN RSA PRIVATE KEY}), SEC1 ({@code BEGIN EC PRIVATE KEY}, with or without a leading
 * {@code BEGIN EC PARAMETERS} block) and OpenSSL's legacy encrypted PEM ({@code Proc-Type: 4,ENCRYPTED}).
 *
 * <p>Every failure is an {@link IllegalArgumentException} whose message starts with the file's path and
 * says what is wrong with it and what to do, as Netty's {@code SslContextBuilder} does for a bad file.
 * Keys are converted with the JDK's key factories, so that signing later runs on SunEC/SunRsaSign;
 * only password-based decryption uses the private BouncyCastle provider, since the JDK lacks some of
 * the PBE schemes OpenSSL writes (scrypt, for one).
 */
final class PemReader {

    private PemReader() { }

    /** {@code path} as a File, for the builder's Path overloads; null is refused by {@code name}. */
    static File file(Path path, String name) {
        return Objects.requireNonNull(path, name).toFile();
    }

    /** The certificates of {@code file} in file order (for a chain: leaf first). */
    static X509Certificate[] readCertificates(File file) {
        List<Object> objects = parse(file);
        List<X509Certificate> certs = new ArrayList<>();
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        int keys = 0;
        for (Object o : objects) {
            if (o instanceof X509CertificateHolder) {
                try {
                    certs.add(converter.getCertificate((X509CertificateHolder) o));
                } catch (Exception e) {
                    throw new IllegalArgumentException(file.getPath() + ": certificate " + (certs.size() + 1)
                            + " cannot be decoded: " + e.getMessage(), e);
                }
            } else if (isKey(o)) {
                keys++;
            }
        }
        if (certs.isEmpty()) {
            String hint = keys > 0 ? "; it holds a private key: are the certificate and key files swapped?" : "";
            throw new IllegalArgumentException(file.getPath()
                    + ": no certificate found (expected a PEM block BEGIN CERTIFICATE)" + hint);
        }
        return certs.toArray(new X509Certificate[0]);
    }

    /**
     * The one private key of {@code file}; {@code password} decrypts an encrypted key and may be null
     * for an unencrypted one.
     */
    static PrivateKey readPrivateKey(File file, String password) {
        List<Object> objects = parse(file);
        List<Object> keys = new ArrayList<>();
        int certs = 0;
        for (Object o : objects) {
            if (isKey(o)) {
                keys.add(o);
            } else if (o instanceof X509CertificateHolder) {
                certs++;
            }
        }
        if (keys.isEmpty()) {
            String hint = certs > 0 ? "; it holds " + certs + " certificate(s): are the certificate and key files swapped?" : "";
            throw new IllegalArgumentException(file.getPath()
                    + ": no private key found (expected a PEM block such as BEGIN PRIVATE KEY)" + hint);
        }
        if (keys.size() > 1) {
            throw new IllegalArgumentException(file.getPath() + ": " + keys.size()
                    + " private keys found (expected exactly one)");
        }
        return toPrivateKey(file, keys.get(0), password);
    }

    private static boolean isKey(Object o) {
        return o instanceof PrivateKeyInfo || o instanceof PEMKeyPair
                || o instanceof PKCS8EncryptedPrivateKeyInfo || o instanceof PEMEncryptedKeyPair;
    }

    private static PrivateKey toPrivateKey(File file, Object key, String password) {
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        boolean encrypted = key instanceof PKCS8EncryptedPrivateKeyInfo || key instanceof PEMEncryptedKeyPair;
        if (encrypted && password == null) {
            throw new IllegalArgumentException(file.getPath() + ": the private key is encrypted; pass its password"
                    + " with the overload that takes one, e.g. forServer(certChainPem, keyPem, password)"
                    + " or keyManager(certChainPem, keyPem, password)");
        }
        try {
            if (key instanceof PrivateKeyInfo) {
                return converter.getPrivateKey((PrivateKeyInfo) key);
            }
            if (key instanceof PEMKeyPair) {
                // Only the private part: SEC1 keys may omit the public key, which getKeyPair requires.
                return converter.getPrivateKey(((PEMKeyPair) key).getPrivateKeyInfo());
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(file.getPath() + ": the private key cannot be decoded: "
                    + e.getMessage(), e);
        }
        PrivateKeyInfo decrypted;
        try {
            if (key instanceof PKCS8EncryptedPrivateKeyInfo) {
                decrypted = ((PKCS8EncryptedPrivateKeyInfo) key).decryptPrivateKeyInfo(
                        new JceOpenSSLPKCS8DecryptorProviderBuilder()
                                .setProvider(CryptoFactory.BOUNCY_CASTLE)
                                .build(password.toCharArray()));
                return converter.getPrivateKey(decrypted);
            }
            PEMKeyPair pair = ((PEMEncryptedKeyPair) key).decryptKeyPair(
                    new JcePEMDecryptorProviderBuilder()
                            .setProvider(CryptoFactory.BOUNCY_CASTLE)
                            .build(password.toCharArray()));
            return converter.getPrivateKey(pair.getPrivateKeyInfo());
        } catch (Exception e) {
            if (key instanceof PEMEncryptedKeyPair && causedBy(e, NoSuchAlgorithmException.class)) {
                // The FIPS build: the module offers no MD5, which this format's key derivation needs.
                throw new IllegalArgumentException(file.getPath() + ": the private key uses OpenSSL's legacy"
                        + " encryption (Proc-Type: 4,ENCRYPTED), whose key derivation this build's crypto does not"
                        + " offer; convert it with `openssl pkcs8 -topk8 -v2 aes-256-cbc -in OLD -out NEW` (" + e.getMessage()
                        + ")", e);
            }
            throw new IllegalArgumentException(file.getPath() + ": cannot decrypt the private key;"
                    + " is the password right? (" + e.getMessage() + ")", e);
        }
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    /** Every PEM object of {@code file}; blocks bcpkix does not know are returned too, and ignored by callers. */
    private static List<Object> parse(File file) {
        Path path = file.toPath();
        List<Object> objects = new ArrayList<>();
        try (Reader reader = Files.newBufferedReader(path, StandardCharsets.US_ASCII);
             PEMParser parser = new PEMParser(reader)) {
            Object o;
            while ((o = parser.readObject()) != null) {
                objects.add(o);
            }
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file.getPath() + ": no such file", e);
        } catch (AccessDeniedException e) {
            throw new IllegalArgumentException(file.getPath() + ": permission denied", e);
        } catch (IOException e) {
            // PEMException (a malformed block) is an IOException too; its message names the block.
            throw new IllegalArgumentException(file.getPath() + ": not a valid PEM file: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            // bcpkix throws e.g. IllegalArgumentException or ClassCastException for base64 that decodes to
            // something other than the block's header promises.
            throw new IllegalArgumentException(file.getPath() + ": not a valid PEM file: " + e, e);
        }
        return objects;
    }
}
