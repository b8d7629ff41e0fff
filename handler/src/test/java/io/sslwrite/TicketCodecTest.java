package io.sslwrite;

import org.junit.jupiter.api.Test;

import java.security.SecureRandom;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * DESIGN §3.2, session tickets: what {@link TicketCodec} opens and what it refuses. A refused ticket is a
 * full handshake for the client (RFC 5077 §3.1), so every refusal here is a null, never an exception; the
 * handshakes themselves are {@code SessionTicketInteropTest}'s.
 */
class TicketCodecTest {

    private static final long NOW = 1_800_000_000_000L;
    private static final SecureRandom RANDOM = new SecureRandom();

    private static byte[] key() {
        byte[] key = new byte[80];
        RANDOM.nextBytes(key);
        return key;
    }

    private static TicketState state(long issuedMillis) {
        byte[] secret = new byte[48];
        RANDOM.nextBytes(secret);
        return new TicketState(0xC02B, true, secret, issuedMillis, "api.example.test", "h2");
    }

    private static TicketCodec codec(byte[]... keys) {
        return new TicketCodec(CryptoFactory.newCrypto(), Duration.ofMinutes(5), SessionTicketKeys.parse("test", keys));
    }

    @Test
    void aSealedTicketOpensWithEveryFieldUnderAnyOfTheKeys() throws Exception {
        byte[] first = key();
        byte[] second = key();
        TicketState state = state(NOW);
        byte[] ticket = codec(second).seal(state);
        assertArrayEquals(java.util.Arrays.copyOf(second, 16), java.util.Arrays.copyOf(ticket, 16), "key name first");
        assertEquals(0, (ticket.length - 16 - 16 - 32) % 16, "name | IV | whole AES blocks | HMAC-SHA256");
        TicketState opened = codec(first, second).open(ticket, NOW + 1000);
        assertNotNull(opened, "the second key opens what it sealed");
        assertEquals(state.cipherSuite(), opened.cipherSuite());
        assertEquals(state.extendedMasterSecret(), opened.extendedMasterSecret());
        assertArrayEquals(state.masterSecret(), opened.masterSecret());
        assertEquals(state.serverName(), opened.serverName());
        assertEquals(state.applicationProtocol(), opened.applicationProtocol());
    }

    @Test
    void aTicketUnderAnotherKeyAChangedByteOrATruncationDoesNotOpen() throws Exception {
        byte[] key = key();
        byte[] ticket = codec(key).seal(state(NOW));
        assertNull(codec(key()).open(ticket, NOW), "unknown key name");
        for (int i : new int[] {16, 40, ticket.length - 1}) {
            byte[] changed = ticket.clone();
            changed[i] ^= 1;
            assertNull(codec(key).open(changed, NOW), "byte " + i + " changed: the HMAC fails");
        }
        assertNull(codec(key).open(java.util.Arrays.copyOf(ticket, ticket.length - 16), NOW), "truncated");
        assertNull(codec(key).open(new byte[0], NOW), "empty");
        byte[] sameNameOtherSecrets = key();
        System.arraycopy(key, 0, sameNameOtherSecrets, 0, 16);
        assertNull(codec(sameNameOtherSecrets).open(ticket, NOW), "same name, other HMAC secret");
    }

    @Test
    void aTicketOlderThanTheSessionTimeoutDoesNotOpenAndNoKeysOpenNothing() throws Exception {
        byte[] key = key();
        TicketCodec codec = codec(key);
        byte[] ticket = codec.seal(state(NOW));
        assertNotNull(codec.open(ticket, NOW + Duration.ofMinutes(5).toMillis() - 1));
        assertNull(codec.open(ticket, NOW + Duration.ofMinutes(5).toMillis()), "expired");
        assertEquals(300, codec.lifetimeHintSeconds());
        codec.setKeys(null);
        assertNull(codec.open(ticket, NOW), "keys removed");
        assertNull(codec.seal(state(NOW)), "nothing to seal with");
    }
}
