package io.sslwrite;

import org.bouncycastle.jcajce.util.JcaJceHelper;
import org.bouncycastle.tls.Certificate;
import org.bouncycastle.tls.EncryptionAlgorithm;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.SignatureAndHashAlgorithm;
import org.bouncycastle.tls.TlsCredentialedSigner;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.crypto.TlsCryptoParameters;
import org.bouncycastle.tls.crypto.TlsCipher;
import org.bouncycastle.tls.crypto.TlsNonceGenerator;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaDefaultTlsCredentialedSigner;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;

/**
 * bctls's JCA crypto with sslwrite's own record cipher for AES-GCM ({@link AesGcmRecordCipher}),
 * through the extension point bctls offers for it ({@code TlsCrypto.createCipher}). Every other
 * suite, ChaCha20-Poly1305 among them, keeps bctls's cipher. TLS 1.2 nonces come from the generator
 * bctls's own cipher would use ({@code getFipsGCMNonceGeneratorFactory}: none in bctls 1.84, bc-fips's
 * {@code FipsNonceGenerator} in bctls-fips).
 *
 * <p>Not final: the crypto {@link CryptoFactory} builds may take parts of the handshake elsewhere
 * (DESIGN §6), through {@link #credentialedSigner} and bctls's own factory methods.
 */
class SslWriteCrypto extends JcaTlsCrypto {

    /**
     * Nonces (the handshake randoms of RFC 8446 §4.1.2-4.1.3, TLS 1.2 session IDs) drawn straight from
     * the nonce {@code SecureRandom}, which every connection of the context shares and which is safe
     * to share between threads. bctls's own generator ({@code JcaNonceGenerator}) is a SHA-512 hash
     * DRBG seeded from that same {@code SecureRandom}, made for each connection and kept by its
     * context for the connection's whole life: about 1.2 KB per idle connection for a few nonces drawn
     * during the handshake.
     */
    private final TlsNonceGenerator nonces;

    SslWriteCrypto(JcaJceHelper helper, SecureRandom keyRandom, SecureRandom nonceRandom) {
        super(helper, keyRandom, nonceRandom);
        this.nonces = size -> {
            byte[] nonce = new byte[size];
            nonceRandom.nextBytes(nonce);
            return nonce;
        };
    }

    @Override
    public TlsNonceGenerator createNonceGenerator(byte[] additionalSeedMaterial) {
        return nonces;
    }

    /** TLS 1.3 ciphers refuse empty handshake and alert records as RFC 8446 says ({@link Tls13EmptyRecordCheck}). */
    @Override
    public TlsCipher createCipher(TlsCryptoParameters cryptoParams, int encryptionAlgorithm, int macAlgorithm)
            throws IOException {
        TlsCipher cipher = recordCipher(cryptoParams, encryptionAlgorithm, macAlgorithm);
        ProtocolVersion version = cryptoParams.getServerVersion();
        return version != null && TlsUtils.isTLSv13(version) ? new Tls13EmptyRecordCheck(cipher) : cipher;
    }

    private TlsCipher recordCipher(TlsCryptoParameters cryptoParams, int encryptionAlgorithm, int macAlgorithm)
            throws IOException {
        try {
            switch (encryptionAlgorithm) {
                case EncryptionAlgorithm.AES_128_GCM:
                    return new AesGcmRecordCipher(cryptoParams, getHelper(), 16, getFipsGCMNonceGeneratorFactory());
                case EncryptionAlgorithm.AES_256_GCM:
                    return new AesGcmRecordCipher(cryptoParams, getHelper(), 32, getFipsGCMNonceGeneratorFactory());
                default:
                    return super.createCipher(cryptoParams, encryptionAlgorithm, macAlgorithm);
            }
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot set up AES-GCM from the JDK's providers: " + e.getMessage(), e);
        }
    }

    /**
     * The signer of our CertificateVerify (TLS 1.3) or ServerKeyExchange (TLS 1.2) with {@code key}:
     * here bctls's JCA signer, which signs on the JDK's providers.
     *
     * @param algorithm the scheme chosen from the peer's list; null for a TLS 1.2 peer that sent none
     */
    TlsCredentialedSigner credentialedSigner(TlsCryptoParameters params, PrivateKey key, Certificate certificate,
                                             SignatureAndHashAlgorithm algorithm) {
        return new JcaDefaultTlsCredentialedSigner(params, this, key, certificate, algorithm);
    }
}
