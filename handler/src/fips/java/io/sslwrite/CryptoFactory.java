package io.sslwrite;

import org.bouncycastle.crypto.CryptoServicesRegistrar;
import org.bouncycastle.jcajce.provider.BouncyCastleFipsProvider;
import org.bouncycastle.jcajce.util.ProviderJcaJceHelper;
import org.bouncycastle.tls.EncryptionAlgorithm;
import org.bouncycastle.tls.NamedGroup;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;

import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.security.SecureRandom;
import java.util.Set;

/**
 * The FIPS build's crypto (artifact {@code sslwrite-handler-fips}; the default build's class of the
 * same name lives in src/main/java): {@link JcaTlsCrypto} over a private
 * {@link BouncyCastleFipsProvider} and nothing else, so every key exchange, signature, hash, KDF,
 * random number and record cipher comes from BouncyCastle's FIPS 140-3 module. AES-GCM records still go
 * through sslwrite's {@link AesGcmRecordCipher}, on the module's AES-GCM, with TLS 1.2 nonces from the
 * module's {@code FipsNonceGenerator}.
 *
 * <p>Only approved choices are offered, whatever the JVM's approved-only setting
 * ({@code org.bouncycastle.fips.approved_only}): key exchange on the NIST curves P-256, P-384, P-521
 * and the RFC 7919 groups (SP 800-56A rev. 3), AES-GCM and AES-CBC records (SP 800-52 rev. 2). No
 * x25519 or x448 (not in SP 800-56A), no ChaCha20-Poly1305 (not a FIPS algorithm), no ML-KEM hybrid
 * (bctls-fips 2.1.20 has none of the draft-ietf-tls-ecdhe-mlkem groups).
 */
final class CryptoFactory {

    /**
     * Private: a library must not change the JVM-wide provider list. Shared by every context: the
     * module runs its power-on self-tests when the first instance is made, which takes a while.
     */
    static final Provider BOUNCY_CASTLE = new BouncyCastleFipsProvider();

    private CryptoFactory() { }

    /** A new crypto for one context, with its own DRBGs from the module. */
    static JcaTlsCrypto newCrypto() {
        // Separate generators for key material and for nonces, as the default build (RFC 8446 C.1).
        return new FipsCrypto(drbg(), drbg());
    }

    private static SecureRandom drbg() {
        try {
            // The module's default DRBG; in approved-only mode the module refuses keys made from any other.
            return SecureRandom.getInstance("DEFAULT", BOUNCY_CASTLE);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the BouncyCastle FIPS provider has no DEFAULT DRBG: " + e.getMessage(), e);
        }
    }

    /** {@link SslWriteCrypto} on the FIPS provider alone, answering "supported" for approved choices only. */
    static final class FipsCrypto extends SslWriteCrypto implements ApprovedOnlyCrypto {
        /** SP 800-56A rev. 3 §5.5.1: the NIST P-curves and the safe-prime (RFC 7919) groups. */
        private static final Set<Integer> APPROVED_GROUPS = Set.of(
                NamedGroup.secp256r1, NamedGroup.secp384r1, NamedGroup.secp521r1,
                NamedGroup.ffdhe2048, NamedGroup.ffdhe3072, NamedGroup.ffdhe4096);
        /** SP 800-52 rev. 2 §3.3.1: AES in GCM or CBC mode. */
        private static final Set<Integer> APPROVED_CIPHERS = Set.of(
                EncryptionAlgorithm.AES_128_GCM, EncryptionAlgorithm.AES_256_GCM,
                EncryptionAlgorithm.AES_128_CBC, EncryptionAlgorithm.AES_256_CBC);

        FipsCrypto(SecureRandom keyRandom, SecureRandom nonceRandom) {
            super(new ProviderJcaJceHelper(BOUNCY_CASTLE), keyRandom, nonceRandom);
        }

        @Override
        public boolean hasNamedGroup(int namedGroup) {
            return APPROVED_GROUPS.contains(namedGroup) && super.hasNamedGroup(namedGroup);
        }

        @Override
        public boolean hasEncryptionAlgorithm(int encryptionAlgorithm) {
            return APPROVED_CIPHERS.contains(encryptionAlgorithm) && super.hasEncryptionAlgorithm(encryptionAlgorithm);
        }

        @Override
        public String module() {
            return BOUNCY_CASTLE.getInfo()
                    + (CryptoServicesRegistrar.isInApprovedOnlyMode() ? " in approved-only mode"
                            : " (the JVM is not in approved-only mode)");
        }
    }
}
