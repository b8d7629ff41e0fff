package io.sslwrite;

import org.bouncycastle.tls.TlsSession;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * TLS 1.2 sessions to resume (RFC 5246 §7.3, session IDs), shared by every connection of a context: a server
 * keys them by session ID, a client by the host and port it dialled. Bounded both ways:
 *
 * <ul>
 *   <li>at most {@code capacity} sessions; adding one more evicts the least recently used;</li>
 *   <li>a session is resumable for {@code timeout} from the full handshake that made it (resuming does not
 *       extend it, as in OpenSSL); an expired one is dropped when it is looked up, and counts toward the
 *       capacity until then, so memory stays bounded without a sweeper thread.</li>
 * </ul>
 * A session bctls invalidated (a fatal alert on a connection that used it) is dropped when looked up too.
 * Each session remembers the SNI name it was made for: RFC 6066 §3 forbids a server to resume a session for
 * another name, since the certificate would be the other name's.
 *
 * <p>Connections of one context run on several event loops, hence the lock; each call is a map operation.
 */
final class SessionCache<K> {

    private record Entry(TlsSession session, String serverName, byte[] ticket, long createdNanos) { }

    /** A client's session and the RFC 5077 ticket the server gave for it (null: resumed by session ID). */
    record Resumption(TlsSession session, byte[] ticket) { }

    private final int capacity;
    private final long timeoutNanos;
    private final LongSupplier nanoClock;
    private final LinkedHashMap<K, Entry> sessions;

    /** A builder's {@code sessionCacheSize}: 0 turns resumption off. */
    static int checkedSize(int size) {
        if (size < 0) {
            throw new IllegalArgumentException("sessionCacheSize: " + size + " (expected: >= 0; 0 turns"
                    + " session resumption off)");
        }
        return size;
    }

    /** A builder's {@code sessionTimeout}. */
    static Duration checkedTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("sessionTimeout: " + timeout + " (expected: > 0; use"
                    + " sessionCacheSize(0) to turn session resumption off)");
        }
        return timeout;
    }

    SessionCache(int capacity, Duration timeout) {
        this(capacity, timeout, System::nanoTime);
    }

    SessionCache(int capacity, Duration timeout, LongSupplier nanoClock) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity: " + capacity + " (expected: > 0)");
        }
        this.capacity = capacity;
        this.timeoutNanos = saturatedNanos(Objects.requireNonNull(timeout, "timeout"));
        this.nanoClock = nanoClock;
        // Access order: a lookup makes the session the most recently used.
        this.sessions = new LinkedHashMap<>(16, 0.75f, true) {
            // SessionCache.Entry, not Entry: in a LinkedHashMap subclass javac 25 takes the simple name
            // for the inherited Map.Entry (SequencedMap), and the method would override nothing.
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, SessionCache.Entry> eldest) {
                return size() > SessionCache.this.capacity;
            }
        };
    }

    /** Remembers a session of a completed full handshake, made for {@code serverName} (null: no SNI). */
    synchronized void put(K key, TlsSession session, String serverName) {
        put(key, session, serverName, null);
    }

    /** As {@link #put(Object, TlsSession, String)}, for a client's session that the server gave a ticket for. */
    synchronized void put(K key, TlsSession session, String serverName, byte[] ticket) {
        sessions.put(key, new Entry(session, serverName, ticket, nanoClock.getAsLong()));
    }

    /**
     * The session for {@code key} if it is still resumable, was made for the same SNI name, and has not
     * expired; otherwise null (and an expired or invalidated one is forgotten).
     */
    synchronized TlsSession get(K key, String serverName) {
        Resumption r = resumption(key, serverName);
        return r == null ? null : r.session();
    }

    /** As {@link #get}, with the session's ticket, both from one entry. */
    synchronized Resumption resumption(K key, String serverName) {
        Entry e = sessions.get(key);
        if (e == null) {
            return null;
        }
        if (nanoClock.getAsLong() - e.createdNanos >= timeoutNanos || !e.session.isResumable()) {
            sessions.remove(key);
            return null;
        }
        return Objects.equals(e.serverName, serverName) ? new Resumption(e.session, e.ticket) : null;
    }

    synchronized int size() {
        return sessions.size();
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }
}
