package io.sslwrite;

import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;

import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;

/**
 * Seals and opens TLS 1.2 session tickets in the construction RFC 5077 §4 recommends, which OpenSSL and nginx
 * use with 80-byte keys:
 *
 * <pre>
 *   key_name (16) | IV (16) | AES-256-CBC(state, PKCS#7 padding) | HMAC-SHA256(key_name | IV | encrypted state) (32)
 * </pre>
 * The MAC is checked, in constant time, before anything is decrypted, so a forged ticket learns nothing of the
 * padding. A ticket that does not open (a key no longer held, a bad MAC, another format, an expired session)
 * is not an error: the server makes a full handshake, as RFC 5077 §3.1 says.
 *
 * <p>The keys are one volatile reference to an immutable {@link SessionTicketKeys}, replaced whole by
 * {@link SslWriteContext#setSessionTicketKeys}; every connection of a server context shares this object, across
 * event loops and reloads. The AES and HMAC run on the context's crypto provider (the FIPS module in the FIPS
 * build), each call on its own {@link Cipher} and {@link Mac}.
 */
final class TicketCodec {

    private static final int IV_BYTES = 16;
    private static final int MAC_BYTES = 32;
    private static final int BLOCK = 16;

    private final JcaTlsCrypto crypto;
    private final long lifetimeMillis;
    private volatile SessionTicketKeys keys;

    /** @param keys the first keys, or null: no tickets until {@link #setKeys} gives some */
    TicketCodec(JcaTlsCrypto crypto, Duration lifetime, SessionTicketKeys keys) {
        this.crypto = crypto;
        this.lifetimeMillis = lifetime.toMillis();
        this.keys = keys;
    }

    /** Replaces the keys at once; null stops issuing and accepting tickets. */
    void setKeys(SessionTicketKeys newKeys) {
        keys = newKeys;
    }

    /** Whether there are keys to seal a ticket with now. */
    boolean issuing() {
        return keys != null;
    }

    /** The lifetime hint of a new ticket, in seconds (RFC 5077 §3.3): the context's session timeout. */
    long lifetimeHintSeconds() {
        return Math.min(lifetimeMillis / 1000, 0xFFFFFFFFL);
    }

    /** The ticket for {@code state} under the first key; null when there are no keys any more. */
    byte[] seal(TicketState state) throws GeneralSecurityException {
        SessionTicketKeys current = keys;
        if (current == null) {
            return null;
        }
        SessionTicketKeys.Key key = current.issuer();
        byte[] plain = pad(state.encode());
        byte[] iv = new byte[IV_BYTES];
        crypto.getSecureRandom().nextBytes(iv);
        Cipher aes = crypto.getHelper().createCipher("AES/CBC/NoPadding");
        aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key.aesKey(), "AES"), new IvParameterSpec(iv));
        byte[] ticket = new byte[SessionTicketKeys.NAME_BYTES + IV_BYTES + plain.length + MAC_BYTES];
        System.arraycopy(key.name(), 0, ticket, 0, SessionTicketKeys.NAME_BYTES);
        System.arraycopy(iv, 0, ticket, SessionTicketKeys.NAME_BYTES, IV_BYTES);
        int sealed = SessionTicketKeys.NAME_BYTES + IV_BYTES;
        aes.doFinal(plain, 0, plain.length, ticket, sealed);
        Arrays.fill(plain, (byte) 0);
        byte[] mac = mac(key, ticket, sealed + plain.length);
        System.arraycopy(mac, 0, ticket, sealed + plain.length, MAC_BYTES);
        return ticket;
    }

    /**
     * The state of a ticket one of the keys sealed, not yet expired; null for any other ticket.
     * @param nowMillis the wall clock, shared by the servers of a fleet
     */
    TicketState open(byte[] ticket, long nowMillis) {
        SessionTicketKeys current = keys;
        SessionTicketKeys.Key key = current == null ? null : current.find(ticket);
        int sealed = SessionTicketKeys.NAME_BYTES + IV_BYTES;
        int encrypted = ticket.length - sealed - MAC_BYTES;
        if (key == null || encrypted < BLOCK || encrypted % BLOCK != 0) {
            return null;
        }
        try {
            byte[] expected = mac(key, ticket, sealed + encrypted);
            if (!MessageDigest.isEqual(expected, Arrays.copyOfRange(ticket, sealed + encrypted, ticket.length))) {
                return null;
            }
            Cipher aes = crypto.getHelper().createCipher("AES/CBC/NoPadding");
            aes.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key.aesKey(), "AES"),
                    new IvParameterSpec(ticket, SessionTicketKeys.NAME_BYTES, IV_BYTES));
            byte[] plain = aes.doFinal(ticket, sealed, encrypted);
            TicketState state = TicketState.decode(unpad(plain));
            Arrays.fill(plain, (byte) 0);
            long age = state == null ? -1 : nowMillis - state.issuedMillis();
            // A minute of clock difference between the servers of a fleet is allowed.
            return age >= -60_000 && age < lifetimeMillis ? state : null;
        } catch (GeneralSecurityException e) {
            return null;
        }
    }

    private byte[] mac(SessionTicketKeys.Key key, byte[] ticket, int length) throws GeneralSecurityException {
        Mac hmac = crypto.getHelper().createMac("HmacSHA256");
        hmac.init(new SecretKeySpec(key.hmacSecret(), "HmacSHA256"));
        hmac.update(ticket, 0, length);
        return hmac.doFinal();
    }

    /** PKCS#7: 1..16 bytes of the pad length. */
    private static byte[] pad(byte[] data) {
        int n = BLOCK - data.length % BLOCK;
        byte[] padded = Arrays.copyOf(data, data.length + n);
        Arrays.fill(padded, data.length, padded.length, (byte) n);
        Arrays.fill(data, (byte) 0);
        return padded;
    }

    /** Undoes {@link #pad}; the MAC has been checked, so a bad pad is ours, and yields no state. */
    private static byte[] unpad(byte[] data) {
        int n = data[data.length - 1] & 0xFF;
        return n < 1 || n > BLOCK ? new byte[0] : Arrays.copyOf(data, data.length - n);
    }
}
