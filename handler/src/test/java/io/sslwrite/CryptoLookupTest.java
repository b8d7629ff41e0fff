package io.sslwrite;

import io.sslwrite.testing.BuildMode;
import io.sslwrite.testing.TlsPair;
import org.bouncycastle.jcajce.util.JcaJceHelper;
import org.junit.jupiter.api.Test;

import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.MacSpi;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.InvalidAlgorithmParameterException;
import java.security.InvalidKeyException;
import java.security.Key;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.security.Security;
import java.security.spec.AlgorithmParameterSpec;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The JCA objects a context's crypto hands bctls for every handshake (HMACs for HKDF, transcript
 * digests, AES-GCM record ciphers): each is a separate object that computes what a fresh JDK one
 * computes, however many the context has made before, and the provider a user put first in the JVM's
 * list is the one that serves them (DESIGN §6: the JDK's providers first), in the default build; the
 * FIPS build uses its module alone.
 */
class CryptoLookupTest {

    private static final byte[] DATA = "the handshake transcript, or an HKDF label".getBytes(StandardCharsets.US_ASCII);

    private static byte[] bytes(int length, int seed) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (seed + 31 * i);
        }
        return b;
    }

    private static byte[] jdkHmac(String algorithm, byte[] key, byte[] data) throws Exception {
        Mac mac = Mac.getInstance(algorithm);
        mac.init(new SecretKeySpec(key, algorithm));
        return mac.doFinal(data);
    }

    @Test
    void hmacsOfOneContextUsedInterleavedEachComputeTheirOwnKeysHmac() throws Exception {
        JcaJceHelper helper = CryptoFactory.newCrypto().getHelper();
        for (String algorithm : new String[] {"HmacSHA256", "HmacSHA384"}) {
            byte[] key1 = bytes(32, 1);
            byte[] key2 = bytes(48, 2);
            Mac first = helper.createMac(algorithm);
            Mac second = helper.createMac(algorithm);
            first.init(new SecretKeySpec(key1, algorithm));
            second.init(new SecretKeySpec(key2, algorithm));
            first.update(DATA, 0, 10);
            second.update(DATA, 0, 20);
            first.update(DATA, 10, DATA.length - 10);
            second.update(DATA, 20, DATA.length - 20);
            assertArrayEquals(jdkHmac(algorithm, key1, DATA), first.doFinal(), algorithm + ", first key");
            assertArrayEquals(jdkHmac(algorithm, key2, DATA), second.doFinal(), algorithm + ", second key");
            Mac third = helper.createMac(algorithm);
            assertThrows(IllegalStateException.class, () -> third.update(DATA),
                    algorithm + ": a new HMAC starts without a key, whatever the ones before it did");
        }
    }

    @Test
    void digestsOfOneContextUsedInterleavedEachHashTheirOwnInput() throws Exception {
        JcaJceHelper helper = CryptoFactory.newCrypto().getHelper();
        for (String algorithm : new String[] {"SHA-256", "SHA-384"}) {
            MessageDigest first = helper.createMessageDigest(algorithm);
            MessageDigest second = helper.createMessageDigest(algorithm);
            first.update(DATA, 0, 5);
            second.update(DATA);
            first.update(DATA, 5, DATA.length - 5);
            second.update(DATA);
            byte[] twice = new byte[2 * DATA.length];
            System.arraycopy(DATA, 0, twice, 0, DATA.length);
            System.arraycopy(DATA, 0, twice, DATA.length, DATA.length);
            assertArrayEquals(MessageDigest.getInstance(algorithm).digest(DATA), first.digest(), algorithm);
            assertArrayEquals(MessageDigest.getInstance(algorithm).digest(twice), second.digest(), algorithm);
            assertArrayEquals(MessageDigest.getInstance(algorithm).digest(new byte[0]),
                    helper.createMessageDigest(algorithm).digest(), algorithm + ": a new digest starts empty");
        }
    }

    @Test
    void aesGcmCiphersOfOneContextSealWhatTheJdkOpens() throws Exception {
        JcaJceHelper helper = CryptoFactory.newCrypto().getHelper();
        for (int keySize : new int[] {16, 32}) {
            SecretKeySpec key = new SecretKeySpec(bytes(keySize, keySize), "AES");
            for (int i = 0; i < 3; i++) {
                GCMParameterSpec nonce = new GCMParameterSpec(128, bytes(12, i));
                Cipher seal = helper.createCipher("AES/GCM/NoPadding");
                seal.init(Cipher.ENCRYPT_MODE, key, nonce);
                byte[] sealed = seal.doFinal(DATA);
                Cipher open = Cipher.getInstance("AES/GCM/NoPadding");
                open.init(Cipher.DECRYPT_MODE, key, nonce);
                assertArrayEquals(DATA, open.doFinal(sealed), "AES-" + 8 * keySize + "-GCM, cipher " + i);
            }
        }
    }

    @Test
    void aProviderTheUserPutFirstServesTheKeyScheduleHmacs() throws Exception {
        CountingHmacProvider provider = new CountingHmacProvider();
        Security.insertProviderAt(provider, 1);
        try {
            CountingHmac.INITS.set(0);
            try (TlsPair pair = TlsPair.handshaken()) {
                assertTrue(pair.clientHandler().handshakeFuture().isSuccess(), "handshake");
            }
            if (BuildMode.FIPS) {
                assertEquals(0, CountingHmac.INITS.get(), "the FIPS build takes every HMAC from its module");
            } else {
                assertTrue(CountingHmac.INITS.get() > 0, "HKDF on the user's first provider (RFC 8446 §7.1)");
            }
        } finally {
            Security.removeProvider(provider.getName());
        }
    }

    /** A user's provider, first in the JVM's list: HMAC-SHA256 and -SHA384, counting each key set. */
    static final class CountingHmacProvider extends Provider {
        CountingHmacProvider() {
            super("SslWriteTestHmac", "1.0", "HMACs that count their keys, for CryptoLookupTest");
            put("Mac.HmacSHA256", CountingHmacSha256.class.getName());
            put("Mac.HmacSHA384", CountingHmacSha384.class.getName());
        }
    }

    /** The JDK's own HMAC underneath; not Cloneable, as a provider's Mac need not be. */
    public abstract static class CountingHmac extends MacSpi {
        static final AtomicInteger INITS = new AtomicInteger();
        private final Mac inner;

        CountingHmac(String algorithm) throws NoSuchAlgorithmException {
            Mac jdk;
            try {
                jdk = Mac.getInstance(algorithm, "SunJCE");
            } catch (java.security.NoSuchProviderException e) {
                throw new NoSuchAlgorithmException(e);
            }
            this.inner = jdk;
        }

        @Override
        protected int engineGetMacLength() {
            return inner.getMacLength();
        }

        @Override
        protected void engineInit(Key key, AlgorithmParameterSpec params)
                throws InvalidKeyException, InvalidAlgorithmParameterException {
            INITS.incrementAndGet();
            inner.init(key, params);
        }

        @Override
        protected void engineUpdate(byte input) {
            inner.update(input);
        }

        @Override
        protected void engineUpdate(byte[] input, int offset, int len) {
            inner.update(input, offset, len);
        }

        @Override
        protected byte[] engineDoFinal() {
            return inner.doFinal();
        }

        @Override
        protected void engineReset() {
            inner.reset();
        }
    }

    /** Made by the provider by reflection. */
    public static final class CountingHmacSha256 extends CountingHmac {
        public CountingHmacSha256() throws NoSuchAlgorithmException {
            super("HmacSHA256");
        }
    }

    /** Made by the provider by reflection. */
    public static final class CountingHmacSha384 extends CountingHmac {
        public CountingHmacSha384() throws NoSuchAlgorithmException {
            super("HmacSHA384");
        }
    }
}
