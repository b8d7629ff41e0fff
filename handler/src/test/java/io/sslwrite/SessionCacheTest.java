package io.sslwrite;

import io.sslwrite.testing.LeakDetectionExtension;
import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.TlsSession;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.SessionParameters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** DESIGN §3.1: the session cache is bounded in count (LRU) and in time, and keeps sessions to their SNI name. */
@ExtendWith(LeakDetectionExtension.class)
class SessionCacheTest {

    private final AtomicLong now = new AtomicLong();
    private final SessionCache<String> cache = new SessionCache<>(2, Duration.ofSeconds(10), now::get);

    private static TlsSession session(int id) {
        return TlsUtils.importSession(new byte[] {(byte) id}, new SessionParameters.Builder()
                .setCipherSuite(CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256)
                .setMasterSecret(CryptoFactory.newCrypto().createSecret(new byte[48]))
                .build());
    }

    @Test
    void theLeastRecentlyUsedSessionIsEvictedFirst() {
        TlsSession a = session(1);
        TlsSession b = session(2);
        cache.put("a", a, null);
        cache.put("b", b, null);
        assertSame(a, cache.get("a", null));      // a is now the most recently used
        cache.put("c", session(3), null);
        assertNull(cache.get("b", null), "b was the least recently used");
        assertSame(a, cache.get("a", null));
        assertEquals(2, cache.size());
    }

    @Test
    void aSessionExpiresTheTimeoutAfterItWasMadeAndUsingItDoesNotExtendIt() {
        TlsSession a = session(1);
        cache.put("a", a, null);
        now.addAndGet(Duration.ofSeconds(9).toNanos());
        assertSame(a, cache.get("a", null));
        now.addAndGet(Duration.ofSeconds(1).toNanos());
        assertNull(cache.get("a", null));
        assertEquals(0, cache.size(), "the expired session is forgotten");
    }

    @Test
    void anInvalidatedSessionIsForgotten() {
        TlsSession a = session(1);
        cache.put("a", a, null);
        a.invalidate();
        assertNull(cache.get("a", null));
        assertEquals(0, cache.size());
    }

    @Test
    void aSessionResumesOnlyForTheServerNameItWasMadeFor() {
        TlsSession a = session(1);
        cache.put("a", a, "api.example.com");
        assertNull(cache.get("a", "www.example.com"));
        assertNull(cache.get("a", null));
        assertSame(a, cache.get("a", "api.example.com"));
    }

    @Test
    void builderRefusesANegativeSizeAndANonPositiveTimeout() {
        assertThrows(IllegalArgumentException.class, () -> SslWriteContext.forClient().sessionCacheSize(-1));
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
                () -> SslWriteContext.forClient().sessionTimeout(Duration.ZERO));
        assertEquals("sessionTimeout: PT0S (expected: > 0; use sessionCacheSize(0) to turn session resumption off)",
                zero.getMessage());
    }
}
