package io.sslwrite;

import org.bouncycastle.jcajce.util.JcaJceHelper;
import org.bouncycastle.tls.EncryptionAlgorithm;
import org.bouncycastle.tls.crypto.TlsCryptoParameters;
import org.bouncycastle.tls.crypto.TlsCipher;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;

/**
 * bctls's JCA crypto with sslwrite's own record cipher for AES-GCM ({@link AesGcmRecordCipher}),
 * through the extension point bctls offers for it ({@code TlsCrypto.createCipher}). Every other
 * suite, ChaCha20-Poly1305 among them, keeps bctls's cipher. TLS 1.2 nonces come from the generator
 * bctls's own cipher would use ({@code getFipsGCMNonceGeneratorFactory}: none in bctls 1.84, bc-fips's
 * {@code FipsNonceGenerator} in bctls-fips).
 */
class SslWriteCrypto extends JcaTlsCrypto {

    SslWriteCrypto(JcaJceHelper helper, SecureRandom keyRandom, SecureRandom nonceRandom) {
        super(helper, keyRandom, nonceRandom);
    }

    @Override
    public TlsCipher createCipher(TlsCryptoParameters cryptoParams, int encryptionAlgorithm, int macAlgorithm)
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
}
