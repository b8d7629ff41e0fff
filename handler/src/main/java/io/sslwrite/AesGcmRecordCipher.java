package io.sslwrite;

import io.netty.util.concurrent.FastThreadLocal;
import org.bouncycastle.jcajce.util.JcaJceHelper;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.ContentType;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.SecurityParameters;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.crypto.TlsCipher;
import org.bouncycastle.tls.crypto.TlsCryptoParameters;
import org.bouncycastle.tls.crypto.TlsCryptoUtils;
import org.bouncycastle.tls.crypto.TlsDecodeResult;
import org.bouncycastle.tls.crypto.TlsEncodeResult;
import org.bouncycastle.tls.crypto.TlsSecret;
import org.bouncycastle.tls.crypto.impl.AEADNonceGenerator;
import org.bouncycastle.tls.crypto.impl.AEADNonceGeneratorFactory;
import org.bouncycastle.tls.crypto.impl.TlsImplUtils;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.util.Arrays;

/**
 * The AES-GCM record protection of TLS 1.3 (RFC 8446 §5.2-5.3) and TLS 1.2 (RFC 5288), on the JDK's
 * own AES-GCM, without bctls's per-record arrays.
 *
 * <p>bctls's {@code TlsAEADCipher} makes a new output array, nonce and additional data for every
 * record it encrypts, and encrypts in place, which the JDK's GCM answers with a copy of its own: about
 * 1.1 MB of garbage per MiB sent. This cipher encrypts from the caller's plaintext into an output
 * array, with the nonce and additional data in small arrays, all of which belong to the event loop
 * ({@link ScratchArray}, {@link Scratch}), not to the connection: a record costs only the JDK's own
 * work, and an idle connection holds no record-sized array. The output array can be shared because
 * bctls's {@code RecordStream.writeRecord} copies each encoded record to its output stream as soon
 * as {@link #encodePlaintext} returns, before anything else runs on the thread.
 *
 * <p>Decryption stays in place, as bctls expects ({@code TlsDecodeResult} points into the record).
 * Keys come from where bctls's own cipher takes them: the TLS 1.2 key block
 * ({@code TlsImplUtils.calculateKeyBlock}), or the TLS 1.3 traffic secrets through
 * HKDF-Expand-Label "key" and "iv", again on each KeyUpdate ({@link #rekeyEncoder()},
 * {@link #rekeyDecoder()}).
 *
 * <p>The TLS 1.2 explicit nonce is the sequence number, unless the crypto names a nonce generator
 * ({@code JcaTlsCrypto.getFipsGCMNonceGeneratorFactory()}, as bctls's own cipher asks it): a FIPS
 * 140-3 module must build the GCM IV inside its boundary (SP 800-38D §8.2.1, IG C.H), so the FIPS
 * build takes it from bc-fips's {@code FipsNonceGenerator}; bctls 1.84 names none.
 */
final class AesGcmRecordCipher implements TlsCipher {
    private static final int TAG = 16;
    private static final String TRANSFORMATION = "AES/GCM/NoPadding";
    /** The largest record this cipher encodes: header, TLS 1.2 explicit nonce or TLS 1.3 type, tag. */
    static final int MAX_ENCODED = 5 + 8 + HandlerOptions.MAX_RECORD_SIZE_LIMIT + 1 + TAG;
    /** Encoded records, one array per event loop. */
    private static final ScratchArray OUTPUT = new ScratchArray(MAX_ENCODED);

    private final TlsCryptoParameters cryptoParams;
    private final boolean tls13;
    private final int keySize;
    /** RFC 5288 §3: 4 implicit bytes from the key block; RFC 8446 §5.3: the 12-byte write IV. */
    private final int fixedIvLength;
    /** RFC 5288 §3: the 8-byte explicit nonce sent in each record; none in TLS 1.3. */
    private final int recordIvLength;

    private final Direction encrypt;
    private final Direction decrypt;
    /** TLS 1.2 only, and only when the crypto asks for it: makes the whole 12-byte encryption nonce. */
    private final AEADNonceGenerator tls12NonceGenerator;

    /** Per-record inputs to the JDK's cipher, which copies them: one set per event loop. */
    private static final FastThreadLocal<Scratch> SCRATCH = new FastThreadLocal<>() {
        @Override
        protected Scratch initialValue() {
            return new Scratch();
        }
    };

    private static final class Scratch {
        final byte[] nonce = new byte[12];
        final byte[] additionalData = new byte[13];
        /** RFC 8446 §5.2: the real content type, encrypted after the content. */
        final byte[] innerType = new byte[1];
    }

    /** One direction's cipher, key and fixed IV. */
    private static final class Direction {
        final Cipher cipher;
        SecretKeySpec key;
        final byte[] fixedIv;

        Direction(Cipher cipher, int fixedIvLength) {
            this.cipher = cipher;
            this.fixedIv = new byte[fixedIvLength];
        }

        void setKey(byte[] keyBytes, int offset, int length) {
            key = new SecretKeySpec(keyBytes, offset, length, "AES");
        }
    }

    AesGcmRecordCipher(TlsCryptoParameters cryptoParams, JcaJceHelper helper, int keySize)
            throws IOException, GeneralSecurityException {
        this(cryptoParams, helper, keySize, null);
    }

    /** {@code nonceGenerators}: null, or where the TLS 1.2 encryption nonces must come from. */
    AesGcmRecordCipher(TlsCryptoParameters cryptoParams, JcaJceHelper helper, int keySize,
                       AEADNonceGeneratorFactory nonceGenerators) throws IOException, GeneralSecurityException {
        SecurityParameters securityParameters = cryptoParams.getSecurityParametersHandshake();
        ProtocolVersion version = securityParameters.getNegotiatedVersion();
        this.cryptoParams = cryptoParams;
        this.tls13 = TlsUtils.isTLSv13(version);
        this.keySize = keySize;
        this.fixedIvLength = tls13 ? 12 : 4;
        this.recordIvLength = tls13 ? 0 : 8;
        this.encrypt = new Direction(helper.createCipher(TRANSFORMATION), fixedIvLength);
        this.decrypt = new Direction(helper.createCipher(TRANSFORMATION), fixedIvLength);

        boolean server = cryptoParams.isServer();
        if (tls13) {
            rekey(securityParameters, encrypt, server);
            rekey(securityParameters, decrypt, !server);
            this.tls12NonceGenerator = null;
            return;
        }
        // RFC 5246 §6.3: client_write_key, server_write_key, client_write_IV, server_write_IV.
        byte[] keyBlock = TlsImplUtils.calculateKeyBlock(cryptoParams, 2 * keySize + 2 * fixedIvLength);
        Direction clientWrite = server ? decrypt : encrypt;
        Direction serverWrite = server ? encrypt : decrypt;
        clientWrite.setKey(keyBlock, 0, keySize);
        serverWrite.setKey(keyBlock, keySize, keySize);
        System.arraycopy(keyBlock, 2 * keySize, clientWrite.fixedIv, 0, fixedIvLength);
        System.arraycopy(keyBlock, 2 * keySize + fixedIvLength, serverWrite.fixedIv, 0, fixedIvLength);
        Arrays.fill(keyBlock, (byte) 0);
        // As bctls's TlsAEADCipher: the salt, then a 64-bit counter the generator owns.
        this.tls12NonceGenerator = nonceGenerators == null ? null
                : nonceGenerators.create(Arrays.copyOf(encrypt.fixedIv, 12), 64);
    }

    /** RFC 8446 §7.3: [sender]_write_key and _iv from the sender's current traffic secret. */
    private void rekey(SecurityParameters securityParameters, Direction direction, boolean serverSecret)
            throws IOException {
        TlsSecret secret = serverSecret
                ? securityParameters.getTrafficSecretServer()
                : securityParameters.getTrafficSecretClient();
        if (secret == null) {
            throw new TlsFatalAlert(AlertDescription.internal_error, "no traffic secret to derive AES-GCM keys from");
        }
        int hash = securityParameters.getPRFCryptoHashAlgorithm();
        byte[] key = TlsCryptoUtils.hkdfExpandLabel(secret, hash, "key", TlsUtils.EMPTY_BYTES, keySize).extract();
        byte[] iv = TlsCryptoUtils.hkdfExpandLabel(secret, hash, "iv", TlsUtils.EMPTY_BYTES, fixedIvLength).extract();
        direction.setKey(key, 0, keySize);
        System.arraycopy(iv, 0, direction.fixedIv, 0, fixedIvLength);
        Arrays.fill(key, (byte) 0);
    }

    @Override
    public void rekeyEncoder() throws IOException {
        requireTls13();
        rekey(cryptoParams.getSecurityParametersConnection(), encrypt, cryptoParams.isServer());
    }

    @Override
    public void rekeyDecoder() throws IOException {
        requireTls13();
        rekey(cryptoParams.getSecurityParametersConnection(), decrypt, !cryptoParams.isServer());
    }

    private void requireTls13() throws IOException {
        if (!tls13) {
            throw new TlsFatalAlert(AlertDescription.internal_error, "KeyUpdate on a TLS 1.2 connection");
        }
    }

    /**
     * RFC 5288 §3: salt || the explicit nonce at {@code explicit[explicitOffset]}; RFC 8446 §5.3:
     * write_iv XOR the padded sequence number ({@code explicit} unused).
     */
    private void nonce(Direction direction, byte[] nonce, long seqNo, byte[] explicit, int explicitOffset) {
        if (tls13) {
            System.arraycopy(direction.fixedIv, 0, nonce, 0, 12);
            for (int i = 0; i < 8; i++) {
                nonce[11 - i] ^= (byte) (seqNo >>> (8 * i));
            }
        } else {
            System.arraycopy(direction.fixedIv, 0, nonce, 0, 4);
            System.arraycopy(explicit, explicitOffset, nonce, 4, 8);
        }
    }

    /**
     * RFC 8446 §5.2: opaque_type || legacy_record_version || length of the ciphertext; RFC 5246
     * §6.2.3.3: seq_num || type || version || length of the plaintext. Returns its length.
     */
    private int additionalData(byte[] aad, long seqNo, short type, ProtocolVersion version,
                               int ciphertextLength, int plaintextLength) {
        if (tls13) {
            TlsUtils.writeUint8(type, aad, 0);
            TlsUtils.writeVersion(version, aad, 1);
            TlsUtils.writeUint16(ciphertextLength, aad, 3);
            return 5;
        }
        TlsUtils.writeUint64(seqNo, aad, 0);
        TlsUtils.writeUint8(type, aad, 8);
        TlsUtils.writeVersion(version, aad, 9);
        TlsUtils.writeUint16(plaintextLength, aad, 11);
        return 13;
    }

    @Override
    public TlsEncodeResult encodePlaintext(long seqNo, short contentType, ProtocolVersion recordVersion,
                                           int headerAllocation, byte[] plaintext, int offset, int len)
            throws IOException {
        int innerLength = len + (tls13 ? 1 : 0);
        int ciphertextLength = recordIvLength + innerLength + TAG;
        int total = headerAllocation + ciphertextLength;
        if (total > MAX_ENCODED) {
            throw new TlsFatalAlert(AlertDescription.internal_error,
                    "record of " + len + " plaintext bytes is larger than TLS allows");
        }
        // Nothing runs between this return and bctls's copy of the record (see the class comment).
        byte[] output = OUTPUT.unguarded();
        int pos = headerAllocation;
        Scratch scratch = SCRATCH.get();
        if (tls12NonceGenerator != null) {
            // RFC 5288 §3: salt || nonce_explicit, the explicit part sent in clear before the ciphertext.
            tls12NonceGenerator.generateNonce(scratch.nonce);
            System.arraycopy(scratch.nonce, 4, output, pos, 8);
        } else {
            if (!tls13) {
                // RFC 5288 §3: the explicit nonce may be the sequence number; sent in clear before the
                // ciphertext.
                TlsUtils.writeUint64(seqNo, output, pos);
            }
            nonce(encrypt, scratch.nonce, seqNo, output, pos);
        }
        pos += recordIvLength;
        short recordType = tls13 ? ContentType.application_data : contentType;
        int aadLength = additionalData(scratch.additionalData, seqNo, recordType, recordVersion, ciphertextLength,
                innerLength);
        try {
            Cipher cipher = encrypt.cipher;
            cipher.init(Cipher.ENCRYPT_MODE, encrypt.key, new GCMParameterSpec(TAG * 8, scratch.nonce));
            cipher.updateAAD(scratch.additionalData, 0, aadLength);
            if (tls13) {
                // RFC 8446 §5.2 TLSInnerPlaintext: the content, then its real type (no padding).
                pos += cipher.update(plaintext, offset, len, output, pos);
                scratch.innerType[0] = (byte) contentType;
                pos += cipher.doFinal(scratch.innerType, 0, 1, output, pos);
            } else {
                pos += cipher.doFinal(plaintext, offset, len, output, pos);
            }
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new TlsFatalAlert(AlertDescription.internal_error, "AES-GCM encryption failed", e);
        }
        if (pos != total) {
            throw new TlsFatalAlert(AlertDescription.internal_error,
                    "AES-GCM produced " + (pos - headerAllocation) + " bytes, expected " + ciphertextLength);
        }
        return new TlsEncodeResult(output, 0, total, recordType);
    }

    @Override
    public TlsDecodeResult decodeCiphertext(long seqNo, short recordType, ProtocolVersion recordVersion,
                                            byte[] ciphertext, int offset, int len) throws IOException {
        int encryptedOffset = offset + recordIvLength;
        int encryptedLength = len - recordIvLength;
        int innerLength = encryptedLength - TAG;
        if (innerLength < 0) {
            throw new TlsFatalAlert(AlertDescription.decode_error, "record shorter than an AES-GCM tag");
        }
        Scratch scratch = SCRATCH.get();
        nonce(decrypt, scratch.nonce, seqNo, ciphertext, offset);
        int aadLength = additionalData(scratch.additionalData, seqNo, recordType, recordVersion, len, innerLength);
        int plaintextLength;
        try {
            Cipher cipher = decrypt.cipher;
            cipher.init(Cipher.DECRYPT_MODE, decrypt.key, new GCMParameterSpec(TAG * 8, scratch.nonce));
            cipher.updateAAD(scratch.additionalData, 0, aadLength);
            plaintextLength = cipher.doFinal(ciphertext, encryptedOffset, encryptedLength, ciphertext, encryptedOffset);
        } catch (AEADBadTagException e) {
            throw new TlsFatalAlert(AlertDescription.bad_record_mac, e);
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new TlsFatalAlert(AlertDescription.bad_record_mac, e);
        }
        short contentType = recordType;
        if (tls13) {
            // RFC 8446 §5.4: strip the zero padding; the last non-zero byte is the real type.
            do {
                if (--plaintextLength < 0) {
                    throw new TlsFatalAlert(AlertDescription.unexpected_message, "record with no content type");
                }
            } while (ciphertext[encryptedOffset + plaintextLength] == 0);
            contentType = (short) (ciphertext[encryptedOffset + plaintextLength] & 0xFF);
        }
        return new TlsDecodeResult(ciphertext, encryptedOffset, plaintextLength, contentType);
    }

    @Override
    public int getCiphertextDecodeLimit(int plaintextLimit) {
        return plaintextLimit + (tls13 ? 1 : 0) + TAG + recordIvLength;
    }

    @Override
    public int getCiphertextEncodeLimit(int plaintextLimit) {
        return getCiphertextDecodeLimit(plaintextLimit);
    }

    @Override
    public int getPlaintextDecodeLimit(int ciphertextLimit) {
        return ciphertextLimit - TAG - recordIvLength - (tls13 ? 1 : 0);
    }

    @Override
    public int getPlaintextEncodeLimit(int ciphertextLimit) {
        return getPlaintextDecodeLimit(ciphertextLimit);
    }

    @Override
    public boolean usesOpaqueRecordTypeDecode() {
        return tls13;
    }

    @Override
    public boolean usesOpaqueRecordTypeEncode() {
        return tls13;
    }
}
