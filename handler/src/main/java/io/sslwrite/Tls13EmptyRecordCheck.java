package io.sslwrite;

import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.ContentType;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.crypto.TlsCipher;
import org.bouncycastle.tls.crypto.TlsDecodeResult;
import org.bouncycastle.tls.crypto.TlsEncodeResult;

import java.io.IOException;

/**
 * A TLS 1.3 record cipher that refuses a decrypted Handshake or Alert record with no content with
 * {@code unexpected_message}, as RFC 8446 §5.4 requires. bctls refuses any empty record but application
 * data with {@code illegal_parameter}, the TLS 1.2 reading (RecordStream.decodeAndVerify, bctls 1.84
 * RecordStream.java:263-266); only the cipher sees the inner content type before that check. Every other
 * call goes to the cipher it wraps unchanged.
 */
final class Tls13EmptyRecordCheck implements TlsCipher {
    private final TlsCipher cipher;

    Tls13EmptyRecordCheck(TlsCipher cipher) {
        this.cipher = cipher;
    }

    @Override
    public TlsDecodeResult decodeCiphertext(long seqNo, short recordType, ProtocolVersion recordVersion,
                                            byte[] ciphertext, int offset, int len) throws IOException {
        TlsDecodeResult decoded = cipher.decodeCiphertext(seqNo, recordType, recordVersion, ciphertext, offset, len);
        if (decoded.len == 0 && decoded.contentType != ContentType.application_data) {
            throw new TlsFatalAlert(AlertDescription.unexpected_message,
                    "an empty " + ContentType.getText(decoded.contentType) + " record");
        }
        return decoded;
    }

    @Override
    public TlsEncodeResult encodePlaintext(long seqNo, short contentType, ProtocolVersion recordVersion,
                                           int headerAllocation, byte[] plaintext, int offset, int len)
            throws IOException {
        return cipher.encodePlaintext(seqNo, contentType, recordVersion, headerAllocation, plaintext, offset, len);
    }

    @Override
    public void rekeyEncoder() throws IOException {
        cipher.rekeyEncoder();
    }

    @Override
    public void rekeyDecoder() throws IOException {
        cipher.rekeyDecoder();
    }

    @Override
    public int getCiphertextDecodeLimit(int plaintextLimit) {
        return cipher.getCiphertextDecodeLimit(plaintextLimit);
    }

    @Override
    public int getCiphertextEncodeLimit(int plaintextLimit) {
        return cipher.getCiphertextEncodeLimit(plaintextLimit);
    }

    @Override
    public int getPlaintextDecodeLimit(int ciphertextLimit) {
        return cipher.getPlaintextDecodeLimit(ciphertextLimit);
    }

    @Override
    public int getPlaintextEncodeLimit(int ciphertextLimit) {
        return cipher.getPlaintextEncodeLimit(ciphertextLimit);
    }

    @Override
    public boolean usesOpaqueRecordTypeDecode() {
        return cipher.usesOpaqueRecordTypeDecode();
    }

    @Override
    public boolean usesOpaqueRecordTypeEncode() {
        return cipher.usesOpaqueRecordTypeEncode();
    }
}
