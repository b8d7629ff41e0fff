package io.sslwrite;

import io.sslwrite.testing.BuildMode;
import io.sslwrite.testing.TestPki;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.operator.OutputEncryptor;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.StringWriter;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** PEM input of {@link SslWriteContext}: every key form OpenSSL writes, and messages for bad files. */
class PemTest {

    private static String pem(Object o) throws Exception {
        StringWriter sw = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
            w.writeObject(o);
        }
        return sw.toString();
    }

    private static String pem(Object o, org.bouncycastle.openssl.PEMEncryptor encryptor) throws Exception {
        StringWriter sw = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
            w.writeObject(o, encryptor);
        }
        return sw.toString();
    }

    private static String encryptedPkcs8(PrivateKey key, String password) throws Exception {
        OutputEncryptor encryptor = new JceOpenSSLPKCS8EncryptorBuilder(org.bouncycastle.openssl.PKCS8Generator.AES_256_CBC)
                .setProvider(CryptoFactory.BOUNCY_CASTLE)
                .setPassword(password.toCharArray())
                .build();
        return pem(new JcaPKCS8Generator(key, encryptor));
    }

    /**
     * The same key as BouncyCastle encodes it. The JDK's PKCS#8 encoding of an EC key leaves the curve
     * out of the inner SEC1 structure (it is in the AlgorithmIdentifier), so a SEC1 file written from it
     * would name no curve; OpenSSL always writes the curve there, and so does BouncyCastle.
     */
    private static PrivateKey bcKey(PrivateKey key) throws Exception {
        return java.security.KeyFactory.getInstance(key.getAlgorithm(), CryptoFactory.BOUNCY_CASTLE)
                .generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(key.getEncoded()));
    }

    @Test
    void pkcs8KeyAndChainAreRead() {
        X509Certificate[] chain = PemReader.readCertificates(TestPki.serverCertPem());
        assertArrayEquals(TestPki.serverChain(), chain);
        PrivateKey key = PemReader.readPrivateKey(TestPki.serverKeyPem(), null);
        assertArrayEquals(TestPki.serverKey().getEncoded(), key.getEncoded());
    }

    @Test
    void pkcs1RsaKeyIsRead() throws Exception {
        String text = pem(TestPki.rsaServerKey());
        assertTrue(text.contains("BEGIN RSA PRIVATE KEY"), text);
        File f = TestPki.writeFile("pkcs1.key", text);
        PrivateKey key = PemReader.readPrivateKey(f, null);
        assertEquals("RSA", key.getAlgorithm());
        assertArrayEquals(TestPki.rsaServerKey().getEncoded(), key.getEncoded());
        assertNotNull(SslWriteContext.forServer(TestPki.rsaServerCertPem(), f).build());
    }

    @Test
    void sec1EcKeyIsReadWithOrWithoutParametersBlock() throws Exception {
        String text = pem(bcKey(TestPki.serverKey()));
        assertTrue(text.contains("BEGIN EC PRIVATE KEY"), text);
        File plain = TestPki.writeFile("sec1.key", text);
        assertNotNull(SslWriteContext.forServer(TestPki.serverCertPem(), plain).build());

        // `openssl ecparam -genkey` writes the curve OID (prime256v1) in a block of its own first.
        File withParams = TestPki.writeFile("sec1-params.key",
                "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n" + text);
        PrivateKey key = PemReader.readPrivateKey(withParams, null);
        assertEquals("EC", key.getAlgorithm());
        assertNotNull(SslWriteContext.forServer(TestPki.serverCertPem(), withParams).build());
    }

    @Test
    void encryptedPkcs8KeyNeedsThePasswordOverload() throws Exception {
        // 15 characters: a FIPS module refuses PBKDF2 passwords under 112 bits (SP 800-132).
        String text = encryptedPkcs8(TestPki.serverKey(), "s3cret-passw0rd");
        assertTrue(text.contains("BEGIN ENCRYPTED PRIVATE KEY"), text);
        File f = TestPki.writeFile("enc-pkcs8.key", text);

        assertNotNull(SslWriteContext.forServer(TestPki.serverCertPem(), f, "s3cret-passw0rd").build());
        assertNotNull(SslWriteContext.forClient().keyManager(TestPki.serverCertPem(), f, "s3cret-passw0rd").build());

        IllegalArgumentException noPassword = assertThrows(IllegalArgumentException.class,
                () -> SslWriteContext.forServer(TestPki.serverCertPem(), f));
        assertTrue(noPassword.getMessage().startsWith(f.getPath() + ": the private key is encrypted"),
                noPassword.getMessage());
        assertTrue(noPassword.getMessage().contains("password"), noPassword.getMessage());

        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
                () -> SslWriteContext.forServer(TestPki.serverCertPem(), f, "wrong-passw0rd!"));
        assertTrue(wrong.getMessage().startsWith(f.getPath() + ": cannot decrypt the private key"), wrong.getMessage());
    }

    /**
     * OpenSSL's traditional encryption ({@code Proc-Type: 4,ENCRYPTED}): AES-128-CBC under a key that
     * EVP_BytesToKey derives with one MD5 over the password and the first 8 bytes of the IV. Built here
     * with the JDK's own MD5 and AES, so the same file serves both builds.
     */
    private static String legacyEncrypted(PrivateKey key, String password) throws Exception {
        String sec1 = pem(bcKey(key));
        byte[] der = java.util.Base64.getMimeDecoder().decode(sec1.replaceAll("-----[A-Z ]+-----", ""));
        byte[] iv = new byte[16];
        new java.security.SecureRandom().nextBytes(iv);
        java.security.MessageDigest md5 = java.security.MessageDigest.getInstance("MD5", "SUN");
        md5.update(password.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        md5.update(iv, 0, 8);
        javax.crypto.Cipher aes = javax.crypto.Cipher.getInstance("AES/CBC/PKCS5Padding", "SunJCE");
        aes.init(javax.crypto.Cipher.ENCRYPT_MODE, new javax.crypto.spec.SecretKeySpec(md5.digest(), "AES"),
                new javax.crypto.spec.IvParameterSpec(iv));
        return "-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,"
                + org.bouncycastle.util.encoders.Hex.toHexString(iv).toUpperCase(java.util.Locale.ROOT) + "\n\n"
                + java.util.Base64.getMimeEncoder(64, "\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                        .encodeToString(aes.doFinal(der))
                + "\n-----END EC PRIVATE KEY-----\n";
    }

    @Test
    void legacyOpenSslEncryptedKeyIsRead() throws Exception {
        String text = legacyEncrypted(TestPki.serverKey(), "pw");
        File f = TestPki.writeFile("legacy-enc.key", text);
        assertThrows(IllegalArgumentException.class, () -> SslWriteContext.forServer(TestPki.serverCertPem(), f));
        if (BuildMode.FIPS) {
            // The FIPS module has no MD5-based key derivation: the file is refused with the way out.
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SslWriteContext.forServer(TestPki.serverCertPem(), f, "pw"));
            assertTrue(e.getMessage().startsWith(f.getPath() + ": the private key uses OpenSSL's legacy encryption"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("openssl pkcs8 -topk8"), e.getMessage());
            return;
        }
        assertNotNull(SslWriteContext.forServer(TestPki.serverCertPem(), f, "pw").build());
    }

    @Test
    void fileWithoutKeyNamesTheFileAndTheExpectedBlock() {
        File f = TestPki.writeFile("nothing.key", "hello, this is not PEM\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SslWriteContext.forServer(TestPki.serverCertPem(), f));
        assertEquals(f.getPath() + ": no private key found (expected a PEM block such as BEGIN PRIVATE KEY)",
                e.getMessage());
    }

    @Test
    void swappedFilesAreCalledOut() {
        IllegalArgumentException keyAsCert = assertThrows(IllegalArgumentException.class,
                () -> SslWriteContext.forServer(TestPki.serverKeyPem(), TestPki.serverCertPem()));
        assertTrue(keyAsCert.getMessage().startsWith(TestPki.serverKeyPem().getPath() + ": no certificate found"),
                keyAsCert.getMessage());
        assertTrue(keyAsCert.getMessage().contains("swapped"), keyAsCert.getMessage());

        IllegalArgumentException certAsKey = assertThrows(IllegalArgumentException.class,
                () -> PemReader.readPrivateKey(TestPki.serverCertPem(), null));
        assertTrue(certAsKey.getMessage().contains("no private key found"), certAsKey.getMessage());
        assertTrue(certAsKey.getMessage().contains("2 certificate(s)"), certAsKey.getMessage());
    }

    @Test
    void missingAndCorruptFilesNameTheFile() {
        File missing = new File(TestPki.caPem().getParentFile(), "does-not-exist.pem");
        IllegalArgumentException e1 = assertThrows(IllegalArgumentException.class,
                () -> SslWriteContext.forClient().trustManager(missing));
        assertEquals(missing.getPath() + ": no such file", e1.getMessage());

        File corrupt = TestPki.writeFile("corrupt.pem",
                "-----BEGIN CERTIFICATE-----\nMIIBnotbase64!!!\n-----END CERTIFICATE-----\n");
        IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class,
                () -> SslWriteContext.forClient().trustManager(corrupt));
        assertTrue(e2.getMessage().startsWith(corrupt.getPath() + ": "), e2.getMessage());

        File truncated = TestPki.writeFile("truncated.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n");
        IllegalArgumentException e3 = assertThrows(IllegalArgumentException.class,
                () -> SslWriteContext.forClient().trustManager(truncated));
        assertTrue(e3.getMessage().startsWith(truncated.getPath() + ": "), e3.getMessage());
    }

    @Test
    void pathOverloadsReadTheSameFiles() throws Exception {
        assertNotNull(SslWriteContext.forServer(TestPki.serverCertPem().toPath(), TestPki.serverKeyPem().toPath())
                .build());
        assertNotNull(SslWriteContext.forClient().trustManager(TestPki.caPem().toPath())
                .keyManager(TestPki.clientCertPem().toPath(), TestPki.clientKeyPem().toPath()).build());
    }
}
