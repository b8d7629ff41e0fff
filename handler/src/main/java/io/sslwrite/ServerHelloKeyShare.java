package io.sslwrite;

/**
 * Reads the key_share group out of a plaintext TLS 1.3 ServerHello or HelloRetryRequest record
 * (RFC 8446 §4.1.3, §4.2.8), for a client on bctls-fips, which does not record the negotiated group.
 * Anything else, and anything malformed, answers -1: bctls parses and judges the record itself.
 */
final class ServerHelloKeyShare {
    private static final int HANDSHAKE = 22;
    private static final int SERVER_HELLO = 2;
    private static final int KEY_SHARE = 51;

    private ServerHelloKeyShare() { }

    /** The group of the first message of {@code record} if it is a ServerHello with key_share, else -1. */
    static int group(byte[] record, int length) {
        // record header (5), handshake header (4), legacy_version (2), random (32)
        if (length < 44 || (record[0] & 0xFF) != HANDSHAKE || (record[5] & 0xFF) != SERVER_HELLO) {
            return -1;
        }
        int pos = 43;
        pos += 1 + (record[pos] & 0xFF);        // legacy_session_id_echo
        pos += 2 + 1;                           // cipher_suite, legacy_compression_method
        if (pos + 2 > length) {
            return -1;
        }
        int end = Math.min(length, pos + 2 + uint16(record, pos));
        pos += 2;
        while (pos + 4 <= end) {
            int type = uint16(record, pos);
            int extLength = uint16(record, pos + 2);
            pos += 4;
            if (type == KEY_SHARE) {
                // KeyShareEntry.group in a ServerHello, selected_group in a HelloRetryRequest.
                return pos + 2 <= end && extLength >= 2 ? uint16(record, pos) : -1;
            }
            pos += extLength;
        }
        return -1;
    }

    private static int uint16(byte[] b, int at) {
        return ((b[at] & 0xFF) << 8) | (b[at + 1] & 0xFF);
    }
}
