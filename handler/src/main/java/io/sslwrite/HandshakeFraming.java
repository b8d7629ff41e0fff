package io.sslwrite;

import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.ContentType;
import org.bouncycastle.tls.HandshakeType;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsUtils;

/**
 * Follows how a peer's handshake messages lie in its records (RFC 8446 §4: a 4-byte header, type and
 * 24-bit length, then the body; split over records, or several in one), from the plaintext of each
 * record before bctls reads it, and refuses with the RFC's alert what bctls would let through or answer
 * with {@code internal_error}:
 * <ul>
 *   <li>a message longer than any of its type may be: {@code decode_error} as soon as its header is
 *       read. bctls refuses one longer than its peer's {@code getMaxHandshakeMessageSize()} with
 *       {@code internal_error} (bctls 1.84 TlsProtocol.java:635-640, processHandshakeQueue), which
 *       blames ourselves for the peer's bytes. A ClientHello may be up to {@link #MAX_CLIENT_HELLO}
 *       bytes (a large extension split over records is legal; the server's peer object raises bctls's
 *       own limit to that), every other message up to bctls's default limit, {@link #MAX_OTHER};</li>
 *   <li>in TLS 1.3, a record of another type between the records of one message, and a Finished or
 *       KeyUpdate that does not end its record (a key change follows them): {@code unexpected_message}
 *       (RFC 8446 §5.1). bctls checks neither (TlsProtocol.processRecord, TlsProtocol.java:553-600):
 *       it would take the interleaved application data, and decrypt what follows a KeyUpdate in the
 *       same record with the keys from before it.</li>
 * </ul>
 */
final class HandshakeFraming {
    /**
     * The longest ClientHello its syntax allows (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2): version 2, random
     * 32, session id 1 + 32, cipher suites 2 + 65534, compression methods 1 + 255, extensions 2 + 65535.
     */
    static final int MAX_CLIENT_HELLO = 2 + 32 + (1 + 32) + (2 + 65534) + (1 + 255) + (2 + 65535);

    /** Every other message: bctls's default ({@code AbstractTlsPeer.getMaxHandshakeMessageSize}). */
    static final int MAX_OTHER = 32 * 1024;

    private final byte[] header = new byte[4];
    private int headerBytes;
    /** Bytes of the current message's body still to come. */
    private int bodyLeft;
    /** The current message is one a key change follows in TLS 1.3: it must end its record. */
    private boolean endsRecord;

    /**
     * Checks one record's plaintext before bctls reads it.
     *
     * @param negotiated the version negotiated so far, null before the ServerHello
     */
    void check(short contentType, byte[] buf, int off, int len, ProtocolVersion negotiated) throws TlsFatalAlert {
        boolean tls13 = negotiated != null && TlsUtils.isTLSv13(negotiated);
        if (contentType == ContentType.handshake) {
            read(buf, off, off + len, tls13);
        } else if (tls13 && (headerBytes > 0 || bodyLeft > 0)) {
            throw new TlsFatalAlert(AlertDescription.unexpected_message, ContentType.getText(contentType)
                    + " record in the middle of a handshake message split over records");
        }
    }

    private void read(byte[] buf, int off, int end, boolean tls13) throws TlsFatalAlert {
        while (off < end) {
            if (bodyLeft > 0) {
                int n = Math.min(bodyLeft, end - off);
                bodyLeft -= n;
                off += n;
            } else {
                header[headerBytes++] = buf[off++];
                if (headerBytes == header.length) {
                    headerBytes = 0;
                    bodyLeft = startMessage(tls13);
                }
            }
            if (endsRecord && bodyLeft == 0 && headerBytes == 0) {
                endsRecord = false;
                if (off < end) {
                    throw new TlsFatalAlert(AlertDescription.unexpected_message, "a key change follows "
                            + HandshakeType.getText(header[0]) + ", but its record goes on");
                }
            }
        }
    }

    /** The length of the message whose header was just read, if its type may be that long. */
    private int startMessage(boolean tls13) throws TlsFatalAlert {
        short type = (short) (header[0] & 0xFF);
        int length = (header[1] & 0xFF) << 16 | (header[2] & 0xFF) << 8 | header[3] & 0xFF;
        int max = type == HandshakeType.client_hello ? MAX_CLIENT_HELLO : MAX_OTHER;
        if (length > max) {
            throw new TlsFatalAlert(AlertDescription.decode_error, HandshakeType.getText(type) + " of "
                    + length + " bytes, longer than any this side accepts (" + max + ")");
        }
        endsRecord = tls13 && (type == HandshakeType.finished || type == HandshakeType.key_update);
        return length;
    }
}
