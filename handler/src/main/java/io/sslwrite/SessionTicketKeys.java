package io.sslwrite;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * The keys that protect TLS 1.2 session tickets (RFC 5077 §4), in the 80-byte form of nginx's
 * {@code ssl_session_ticket_key} files, so that a fleet can keep the files it already shares:
 * bytes 0..15 the key name (sent in the clear at the head of each ticket, to find the key), 16..47 the
 * HMAC-SHA256 secret, 48..79 the AES-256 key. The first key seals new tickets; every key opens them, so
 * that a rotation puts the new key first and keeps the old one second until its tickets have expired.
 *
 * <p>Immutable: {@link SslWriteContext#setSessionTicketKeys} replaces the whole set.
 */
final class SessionTicketKeys {

    static final int KEY_BYTES = 80;
    static final int NAME_BYTES = 16;

    /** One key, split as nginx splits its file. */
    record Key(byte[] name, byte[] hmacSecret, byte[] aesKey) { }

    private final List<Key> keys;

    private SessionTicketKeys(List<Key> keys) {
        this.keys = List.copyOf(keys);
    }

    /**
     * @param setter the call, for messages: {@code sessionTicketKeys()} or {@code setSessionTicketKeys()}
     * @throws IllegalArgumentException for no key, a key not 80 bytes long, or two keys of one name
     */
    static SessionTicketKeys parse(String setter, byte[]... keys) {
        Objects.requireNonNull(keys, "keys");
        if (keys.length == 0) {
            throw new IllegalArgumentException(setter + ": no key given (expected one or more 80-byte keys, the"
                    + " first issuing tickets)");
        }
        List<Key> parsed = new ArrayList<>();
        for (int i = 0; i < keys.length; i++) {
            byte[] k = Objects.requireNonNull(keys[i], "keys contains null");
            if (k.length != KEY_BYTES) {
                throw new IllegalArgumentException(setter + ": key " + (i + 1) + " is " + k.length + " bytes (expected: "
                        + KEY_BYTES + ", as nginx's ssl_session_ticket_key files: a 16-byte name, a 32-byte HMAC"
                        + " secret, a 32-byte AES key; make one with `openssl rand 80 > ticket.key`)");
            }
            Key key = new Key(slice(k, 0, NAME_BYTES), slice(k, NAME_BYTES, 48), slice(k, 48, KEY_BYTES));
            for (Key other : parsed) {
                if (MessageDigest.isEqual(other.name(), key.name())) {
                    throw new IllegalArgumentException(setter + ": keys " + (parsed.indexOf(other) + 1) + " and "
                            + (i + 1) + " have the same name " + HexFormat.of().formatHex(key.name())
                            + " (bytes 0..15), so a ticket could not say which one sealed it");
                }
            }
            parsed.add(key);
        }
        return new SessionTicketKeys(parsed);
    }

    /** The key that seals new tickets: the first. */
    Key issuer() {
        return keys.get(0);
    }

    /** The key named by the first 16 bytes of {@code ticket}, or null for none of ours. */
    Key find(byte[] ticket) {
        if (ticket.length < NAME_BYTES) {
            return null;
        }
        byte[] name = slice(ticket, 0, NAME_BYTES);
        for (Key key : keys) {
            if (MessageDigest.isEqual(key.name(), name)) {
                return key;
            }
        }
        return null;
    }

    int size() {
        return keys.size();
    }

    private static byte[] slice(byte[] b, int from, int to) {
        return java.util.Arrays.copyOfRange(b, from, to);
    }
}
