package io.sslwrite;

import org.bouncycastle.jcajce.util.DefaultJcaJceHelper;
import org.bouncycastle.jcajce.util.JcaJceHelper;
import org.bouncycastle.jcajce.util.ProviderJcaJceHelper;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCryptoProvider;

import javax.crypto.Cipher;
import javax.crypto.ExemptionMechanism;
import javax.crypto.KeyAgreement;
import javax.crypto.KeyGenerator;
import javax.crypto.Mac;
import javax.crypto.NoSuchPaddingException;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.security.AlgorithmParameterGenerator;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.NoSuchProviderException;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertPathBuilder;
import java.security.cert.CertPathValidator;
import java.security.cert.CertStore;
import java.security.cert.CertStoreParameters;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Builds the bctls crypto of a context (DESIGN §6): {@link LightweightTlsCrypto}, whose handshake
 * asymmetric work (X25519, ECDH and ECDSA on the NIST curves, ML-KEM) runs on BouncyCastle's lightweight
 * classes, several times faster than Java 17's providers, while everything else, AES-GCM records above
 * all (SunJCE, with its AES-NI and CLMUL intrinsics), stays on the JDK's own providers, and a
 * BouncyCastle provider serves only the algorithms the JDK lacks.
 *
 * <p>The BouncyCastle provider is a private instance handed to {@link ProviderJcaJceHelper}; a library
 * must not change the JVM-wide provider list with {@code Security.addProvider}.
 *
 * <p>This class and the {@code Lightweight*} classes are the only ones that use bcprov's lightweight
 * API; a build on a FIPS provider replaces them together, with a {@code newCrypto()} of its own.
 */
final class CryptoFactory {

    /** Shared: a provider instance is immutable once built, and building one costs milliseconds. */
    static final Provider BOUNCY_CASTLE = new BouncyCastleProvider();

    private CryptoFactory() { }

    /** A new crypto for one context, with its own random sources. */
    static JcaTlsCrypto newCrypto() {
        // Separate generators for key material and for nonces (RFC 8446 appendix C.1 advises
        // against nonces revealing the state that key material comes from).
        return new LightweightTlsCrypto(new JdkFirstHelper(BOUNCY_CASTLE), new SecureRandom(), new SecureRandom());
    }

    /**
     * Asks the JDK's providers first, then the fallback, algorithm by algorithm. Only "no such
     * algorithm / padding / provider" falls through; any other failure is the JDK's answer.
     */
    /*
     * It extends ProviderJcaJceHelper for one reason: on a JDK with javax.crypto.KEM (17.0.15 has
     * it), bctls's multi-release KemUtil asks for ML-KEM through KEM.getInstance(name, provider),
     * taking the provider from a ProviderJcaJceHelper; any other helper gets the JVM-wide lookup,
     * which finds no ML-KEM and drops X25519MLKEM768.
     */
    /*
     * ML-KEM is the exception to "JDK first": bctls takes the KEM itself from this helper's provider
     * (KEMSpiUtil.createKEM calls KEM.getInstance(name, getProvider())), and a KEM accepts only keys of
     * its own provider. Java 24+ has ML-KEM key pair generators and key factories in SunJCE; asking
     * the JDK for those and BouncyCastle for the KEM ends every X25519MLKEM768 handshake in
     * internal_error(80) "invalid key". So all of ML-KEM comes from the fallback, on every JDK.
     */
    static final class JdkFirstHelper extends ProviderJcaJceHelper {
        /** AesGcmRecordCipher's transformation, the only cipher a handshake makes. */
        private static final String AES_GCM = "AES/GCM/NoPadding";
        private final DefaultJcaJceHelper jdk = new DefaultJcaJceHelper();
        /** The provider that serves {@link #AES_GCM}, found at the first lookup: see {@link #aesGcmProvider}. */
        private volatile Provider aesGcmProvider;
        /** Never initialised, never used: only cloned, which reads them, from any thread. */
        private final Map<String, Mac> macPrototypes = new ConcurrentHashMap<>();
        private final Map<String, MessageDigest> digestPrototypes = new ConcurrentHashMap<>();

        JdkFirstHelper(Provider fallback) {
            super(fallback);
        }

        /** One algorithm's lookup in one helper. */
        @FunctionalInterface
        private interface Lookup<T, E extends GeneralSecurityException> {
            T get() throws E;
        }

        /** The JDK's answer, or the fallback's when the JDK has no such algorithm; other failures are the JDK's. */
        private static <T, E extends GeneralSecurityException> T jdkFirst(Lookup<T, E> jdk, Lookup<T, E> fallback)
                throws E {
            try {
                return jdk.get();
            } catch (GeneralSecurityException e) {
                if (e instanceof NoSuchAlgorithmException || e instanceof CertificateException
                        || e instanceof KeyStoreException) {
                    return fallback.get();
                }
                throw e;
            }
        }

        /** "ML-KEM", "ML-KEM-768", ...: the names bctls 1.84's KemUtil and KEMSpiUtil ask for. */
        static boolean isMlKem(String algorithm) {
            return algorithm.regionMatches(true, 0, "ML-KEM", 0, 6);
        }

        /*
         * Pinned lookups. Every TLS 1.3 handshake asks this helper for about 25 HMACs (each HKDF step of
         * RFC 8446 §7.1: bctls's JceTlsSecret makes a new Mac for each), 4 AES-GCM ciphers
         * (AesGcmRecordCipher, handshake and application keys) and the transcript hashes. A lookup by
         * name alone walks the JVM's provider list, asking each provider for the name (and for a
         * Cipher, for each of the transformation's four spellings), and the returned Mac or Cipher
         * walks it again when first initialised; that was about 6% of a server's handshake. The first
         * lookup of a name does exactly that; its answer is then kept for the name, and later ones ask
         * that provider alone (Cipher.getInstance(name, provider)), as the helper of a FIPS build always
         * does. An HMAC or a digest is not even looked up again: it is a clone of one made from that
         * provider and never used (Mac.getInstance would build the JDK's HMAC, which looks up its
         * digest by name, through the provider list, every time).
         *
         * Only names whose keys are raw secrets are pinned: AES-GCM and HMAC keys here are always a
         * SecretKeySpec made from derived bytes, so which provider serves them depends on the name
         * alone, and the pin is found by initialising a probe with such a key, which is how the JDK
         * chooses. A digest takes no key. Signatures, key agreements and RSA ciphers are never pinned:
         * their keys may belong to one provider only (a PKCS#11 token's), which the JDK's delayed
         * provider selection must be left to find, key by key. The JVM's provider list is read at each
         * name's first lookup by this context: a provider installed later is not seen by it.
         */

        @Override
        public Cipher createCipher(String algorithm)
                throws NoSuchAlgorithmException, NoSuchPaddingException {
            if (!AES_GCM.equals(algorithm)) {
                return jdkFirstCipher(algorithm);
            }
            return Cipher.getInstance(AES_GCM, aesGcmProvider());
        }

        private Cipher jdkFirstCipher(String algorithm) throws NoSuchAlgorithmException, NoSuchPaddingException {
            try {
                return jdk.createCipher(algorithm);
            } catch (NoSuchAlgorithmException | NoSuchPaddingException e) {
                return super.createCipher(algorithm);
            }
        }

        /**
         * The provider an AES-GCM cipher of the JDK-first lookup settles on for a raw AES key. Two threads
         * asking at once both probe and find the same provider.
         */
        private Provider aesGcmProvider() throws NoSuchAlgorithmException, NoSuchPaddingException {
            Provider pinned = aesGcmProvider;
            if (pinned == null) {
                Cipher probe = jdkFirstCipher(AES_GCM);
                try {
                    probe.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(new byte[16], "AES"),
                            new GCMParameterSpec(128, new byte[12]));
                } catch (InvalidKeyException | InvalidAlgorithmParameterException e) {
                    throw (NoSuchAlgorithmException) new NoSuchAlgorithmException(
                            "no provider initialises " + AES_GCM + " with a raw AES key").initCause(e);
                }
                pinned = probe.getProvider();
                aesGcmProvider = pinned;
            }
            return pinned;
        }

        @Override
        public Mac createMac(String algorithm) throws NoSuchAlgorithmException {
            if (!algorithm.regionMatches(true, 0, "Hmac", 0, 4)) {
                return jdkFirstMac(algorithm);
            }
            Mac prototype = macPrototypes.get(algorithm);
            if (prototype == null) {
                Mac probe = jdkFirstMac(algorithm);
                try {
                    probe.init(new SecretKeySpec(new byte[32], algorithm));
                } catch (InvalidKeyException e) {
                    throw (NoSuchAlgorithmException) new NoSuchAlgorithmException(
                            "no provider initialises " + algorithm + " with a raw key").initCause(e);
                }
                prototype = Mac.getInstance(algorithm, probe.getProvider());
                Mac raced = macPrototypes.putIfAbsent(algorithm, prototype);
                prototype = raced == null ? prototype : raced;
            }
            try {
                return (Mac) prototype.clone();
            } catch (CloneNotSupportedException e) {
                return Mac.getInstance(algorithm, prototype.getProvider());
            }
        }

        private Mac jdkFirstMac(String algorithm) throws NoSuchAlgorithmException {
            return jdkFirst(() -> jdk.createMac(algorithm), () -> super.createMac(algorithm));
        }

        @Override
        public KeyAgreement createKeyAgreement(String algorithm) throws NoSuchAlgorithmException {
            return jdkFirst(() -> jdk.createKeyAgreement(algorithm), () -> super.createKeyAgreement(algorithm));
        }

        @Override
        public AlgorithmParameterGenerator createAlgorithmParameterGenerator(String algorithm)
                throws NoSuchAlgorithmException {
            return jdkFirst(() -> jdk.createAlgorithmParameterGenerator(algorithm),
                    () -> super.createAlgorithmParameterGenerator(algorithm));
        }

        @Override
        public AlgorithmParameters createAlgorithmParameters(String algorithm) throws NoSuchAlgorithmException {
            return jdkFirst(() -> jdk.createAlgorithmParameters(algorithm),
                    () -> super.createAlgorithmParameters(algorithm));
        }

        @Override
        public KeyGenerator createKeyGenerator(String algorithm) throws NoSuchAlgorithmException {
            if (isMlKem(algorithm)) {
                return super.createKeyGenerator(algorithm);
            }
            return jdkFirst(() -> jdk.createKeyGenerator(algorithm), () -> super.createKeyGenerator(algorithm));
        }

        @Override
        public KeyFactory createKeyFactory(String algorithm) throws NoSuchAlgorithmException {
            if (isMlKem(algorithm)) {
                return super.createKeyFactory(algorithm);
            }
            return jdkFirst(() -> jdk.createKeyFactory(algorithm), () -> super.createKeyFactory(algorithm));
        }

        @Override
        public SecretKeyFactory createSecretKeyFactory(String algorithm) throws NoSuchAlgorithmException {
            return jdkFirst(() -> jdk.createSecretKeyFactory(algorithm), () -> super.createSecretKeyFactory(algorithm));
        }

        @Override
        public KeyPairGenerator createKeyPairGenerator(String algorithm) throws NoSuchAlgorithmException {
            if (isMlKem(algorithm)) {
                return super.createKeyPairGenerator(algorithm);
            }
            return jdkFirst(() -> jdk.createKeyPairGenerator(algorithm), () -> super.createKeyPairGenerator(algorithm));
        }

        /** bctls's transcript and certificate hashes come through here ({@code JcaTlsCrypto.createHash}). */
        @Override
        @SuppressWarnings("deprecation")
        public MessageDigest createDigest(String algorithm) throws NoSuchAlgorithmException {
            return createMessageDigest(algorithm);
        }

        /** A digest chooses its provider when made (no delayed selection): the first one made is the prototype. */
        @Override
        public MessageDigest createMessageDigest(String algorithm) throws NoSuchAlgorithmException {
            MessageDigest prototype = digestPrototypes.get(algorithm);
            if (prototype == null) {
                prototype = jdkFirst(() -> jdk.createMessageDigest(algorithm),
                        () -> super.createMessageDigest(algorithm));
                MessageDigest raced = digestPrototypes.putIfAbsent(algorithm, prototype);
                prototype = raced == null ? prototype : raced;
            }
            try {
                return (MessageDigest) prototype.clone();
            } catch (CloneNotSupportedException e) {
                return MessageDigest.getInstance(algorithm, prototype.getProvider());
            }
        }

        @Override
        public Signature createSignature(String algorithm) throws NoSuchAlgorithmException {
            return jdkFirst(() -> jdk.createSignature(algorithm), () -> super.createSignature(algorithm));
        }

        @Override
        public CertificateFactory createCertificateFactory(String algorithm) throws CertificateException {
            return jdkFirst(() -> jdk.createCertificateFactory(algorithm),
                    () -> super.createCertificateFactory(algorithm));
        }

        @Override
        public SecureRandom createSecureRandom(String algorithm) throws NoSuchAlgorithmException {
            return jdkFirst(() -> jdk.createSecureRandom(algorithm), () -> super.createSecureRandom(algorithm));
        }

        @Override
        public CertPathBuilder createCertPathBuilder(String algorithm) throws NoSuchAlgorithmException {
            return jdkFirst(() -> jdk.createCertPathBuilder(algorithm), () -> super.createCertPathBuilder(algorithm));
        }

        @Override
        public CertPathValidator createCertPathValidator(String algorithm) throws NoSuchAlgorithmException {
            return jdkFirst(() -> jdk.createCertPathValidator(algorithm),
                    () -> super.createCertPathValidator(algorithm));
        }

        @Override
        public CertStore createCertStore(String algorithm, CertStoreParameters params)
                throws NoSuchAlgorithmException, InvalidAlgorithmParameterException {
            try {
                return jdk.createCertStore(algorithm, params);
            } catch (NoSuchAlgorithmException e) {
                return super.createCertStore(algorithm, params);
            }
        }

        @Override
        public ExemptionMechanism createExemptionMechanism(String algorithm) throws NoSuchAlgorithmException {
            return jdkFirst(() -> jdk.createExemptionMechanism(algorithm),
                    () -> super.createExemptionMechanism(algorithm));
        }

        @Override
        public KeyStore createKeyStore(String type) throws KeyStoreException {
            return jdkFirst(() -> jdk.createKeyStore(type), () -> super.createKeyStore(type));
        }
    }
}
