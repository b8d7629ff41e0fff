package io.sslwrite;

import io.sslwrite.SslWriteStats.Cause;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The counters behind {@link SslWriteContext#stats()}, one per context. Two speeds:
 * <ul>
 *   <li>per record or write (bytes encrypted and decrypted, writes refused): a {@link LoopCounters} block
 *       per thread that runs the context's handlers, written by that thread alone;</li>
 *   <li>per connection or handshake (started, completed, failed, resumed, the per-name maps, the set of open
 *       connections): striped {@link LongAdder}s and concurrent maps, whose cost, tens of nanoseconds, is
 *       nothing beside a handshake's.</li>
 * </ul>
 * The gauges are computed when a snapshot is taken, from the connections open at that moment.
 *
 * <p>A block is kept for every thread that has run a handler of the context, for the context's life: a
 * server's event loops are a fixed set. Blocks are keyed by thread id, so a thread that ends is not kept
 * alive by its block.
 */
final class ContextStats {
    private final LongAdder started = new LongAdder();
    private final LongAdder completed = new LongAdder();
    private final LongAdder resumed = new LongAdder();
    private final LongAdder withoutTls = new LongAdder();
    private final LongAdder[] failures = new LongAdder[Cause.values().length];
    private final ConcurrentHashMap<String, LongAdder> alerts = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, LongAdder> protocols = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, LongAdder> cipherSuites = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, LongAdder> namedGroups = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, LoopCounters> loops = new ConcurrentHashMap<>();
    private final Set<ConnectionStats> open = ConcurrentHashMap.newKeySet();

    ContextStats() {
        for (int i = 0; i < failures.length; i++) {
            failures[i] = new LongAdder();
        }
    }

    /**
     * The recorder of a new connection, bound to the block of the calling thread: Netty calls
     * {@code handlerAdded} on the channel's event loop, which then runs all of the connection's work.
     */
    @SuppressWarnings("deprecation") // Thread.threadId() is Java 19; getId() is the same number
    ConnectionStats newConnection(WriteQueue queue) {
        LoopCounters loop = loops.computeIfAbsent(Thread.currentThread().getId(), id -> new LoopCounters());
        return new ConnectionStats(this, loop, queue);
    }

    void opened(ConnectionStats connection) {
        started.increment();
        open.add(connection);
    }

    void closed(ConnectionStats connection) {
        open.remove(connection);
    }

    /**
     * A server connection closed before its peer sent a byte (a health check): not a handshake after
     * all. {@code started} goes down by the one {@link #opened} added; it never falls below the handshakes
     * completed and failed, which this connection is neither.
     */
    void withoutTls(ConnectionStats connection) {
        open.remove(connection);
        withoutTls.increment();
        started.decrement();
    }

    void completed(SslWriteSession session) {
        completed.increment();
        if (session.isResumed()) {
            resumed.increment();
        }
        count(protocols, session.protocol());
        count(cipherSuites, session.cipherSuite());
        count(namedGroups, session.namedGroup());
    }

    /** @param alert the fatal alert's name, or null if none ended the handshake */
    void failed(Cause cause, String alert) {
        failures[cause.ordinal()].increment();
        count(alerts, alert);
    }

    private static void count(ConcurrentHashMap<String, LongAdder> counts, String name) {
        if (name != null) {
            counts.computeIfAbsent(name, n -> new LongAdder()).increment();
        }
    }

    SslWriteStats snapshot() {
        long encrypted = 0;
        long decrypted = 0;
        long refused = 0;
        for (LoopCounters loop : loops.values()) {
            encrypted += loop.bytesEncrypted();
            decrypted += loop.bytesDecrypted();
            refused += loop.writesRefused();
        }
        long connections = 0;
        long queued = 0;
        for (ConnectionStats connection : open) {
            connections++;
            queued += connection.plaintextQueued();
        }
        Map<Cause, Long> byCause = new EnumMap<>(Cause.class);
        for (Cause cause : Cause.values()) {
            long n = failures[cause.ordinal()].sum();
            if (n > 0) {
                byCause.put(cause, n);
            }
        }
        // Completed is read before started, and failures before that: a snapshot never shows more
        // handshakes completed or failed than started, whatever the threads do meanwhile.
        long completedNow = completed.sum();
        long resumedNow = resumed.sum();
        return new SslWriteStats(started.sum(), completedNow, resumedNow, sums(alerts), byCause,
                sums(protocols), sums(cipherSuites), sums(namedGroups), connections, withoutTls.sum(), encrypted, decrypted, refused,
                queued);
    }

    private static Map<String, Long> sums(ConcurrentHashMap<String, LongAdder> counts) {
        Map<String, Long> sums = new HashMap<>();
        counts.forEach((name, n) -> sums.put(name, n.sum()));
        return sums;
    }
}
