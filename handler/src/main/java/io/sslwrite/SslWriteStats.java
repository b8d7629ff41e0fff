package io.sslwrite;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * What every handler made from one {@link SslWriteContext} has done since {@code build()}: an immutable
 * snapshot, taken by {@link SslWriteContext#stats()} (DESIGN §3.2).
 *
 * <pre>{@code
 * SslWriteStats s = context.stats();
 * long failed = s.handshakesFailed();                         // all causes
 * long unknownCa = s.failuresByAlert().getOrDefault("unknown_ca", 0L);
 * }</pre>
 *
 * <p>The counters only grow: {@link #handshakesStarted()}, {@link #handshakesCompleted()},
 * {@link #handshakesFailed()} (a handshake that started and did not complete; {@link #failuresByCause()}
 * partitions it), {@link #handshakesResumed()}, the per-name maps, the byte counts and
 * {@link #writesRefused()}. {@link #connectionsOpen()} and {@link #plaintextQueued()} are gauges of the
 * moment the snapshot was taken. Only the initial handshake of a connection counts; a TLS 1.2
 * renegotiation does not.
 *
 * <p>Counting costs the connections nothing they would notice: each event loop keeps its own byte counts,
 * written by that loop alone with no lock and no atomic instruction, and a snapshot adds them up. A
 * snapshot is therefore not one instant: counts move while it is taken, and a count made on another thread
 * an instant before may not be in it yet (it is in the next). Each counter on its own never goes
 * backward from one snapshot to the next, which is what a monitoring system's rate needs.
 */
public final class SslWriteStats {

    /**
     * Why a handshake failed. Each failed handshake has exactly one cause, so the counts of
     * {@link #failuresByCause()} add up to {@link #handshakesFailed()}.
     */
    public enum Cause {
        /** The peer sent a fatal alert, e.g. a client that does not trust our certificate: {@code unknown_ca}. */
        ALERT_RECEIVED,
        /** We sent a fatal alert: the peer's messages were refused (no common suite, a bad certificate, ...). */
        ALERT_SENT,
        /** {@code HANDSHAKE_TIMEOUT_MILLIS} passed before the handshake completed. */
        TIMEOUT,
        /** The peer closed the connection during the handshake (EOF, close_notify, user_canceled), no fatal alert. */
        PEER_CLOSED,
        /** This side failed without an alert: a transport I/O error or an internal failure. */
        LOCAL_ERROR,
        /** The application closed the channel, or removed the handler, during the handshake. */
        LOCAL_CLOSE
    }

    private final long handshakesStarted;
    private final long handshakesCompleted;
    private final long handshakesResumed;
    private final Map<String, Long> failuresByAlert;
    private final Map<Cause, Long> failuresByCause;
    private final Map<String, Long> protocols;
    private final Map<String, Long> cipherSuites;
    private final Map<String, Long> namedGroups;
    private final long connectionsOpen;
    private final long connectionsWithoutTls;
    private final long bytesEncrypted;
    private final long bytesDecrypted;
    private final long writesRefused;
    private final long plaintextQueued;

    SslWriteStats(long handshakesStarted, long handshakesCompleted, long handshakesResumed,
                  Map<String, Long> failuresByAlert, Map<Cause, Long> failuresByCause, Map<String, Long> protocols,
                  Map<String, Long> cipherSuites, Map<String, Long> namedGroups, long connectionsOpen,
                  long connectionsWithoutTls, long bytesEncrypted, long bytesDecrypted, long writesRefused, long plaintextQueued) {
        this.handshakesStarted = handshakesStarted;
        this.handshakesCompleted = handshakesCompleted;
        this.handshakesResumed = handshakesResumed;
        this.failuresByAlert = sorted(failuresByAlert);
        EnumMap<Cause, Long> causes = new EnumMap<>(Cause.class);
        causes.putAll(failuresByCause);
        this.failuresByCause = Collections.unmodifiableMap(causes);
        this.protocols = sorted(protocols);
        this.cipherSuites = sorted(cipherSuites);
        this.namedGroups = sorted(namedGroups);
        this.connectionsOpen = connectionsOpen;
        this.connectionsWithoutTls = connectionsWithoutTls;
        this.bytesEncrypted = bytesEncrypted;
        this.bytesDecrypted = bytesDecrypted;
        this.writesRefused = writesRefused;
        this.plaintextQueued = plaintextQueued;
    }

    private static Map<String, Long> sorted(Map<String, Long> counts) {
        return Collections.unmodifiableMap(new TreeMap<>(counts));
    }

    /**
     * Handshakes begun: a client's when its channel became active, a server's when it began to wait for the
     * ClientHello. A server connection closed before its peer sent a byte is not one: it is counted in
     * {@link #connectionsWithoutTls()} instead.
     *
     * @return the handshakes begun
     */
    public long handshakesStarted() { return handshakesStarted; }

    /** {@return initial handshakes completed, full or resumed} */
    public long handshakesCompleted() { return handshakesCompleted; }

    /** {@return handshakes that started and ended without completing, whatever the cause} */
    public long handshakesFailed() {
        long failed = 0;
        for (long n : failuresByCause.values()) {
            failed += n;
        }
        return failed;
    }

    /**
     * Failed handshakes that a fatal alert ended, sent or received, by the alert's name as RFC 8446 §6
     * spells it ("unknown_ca", "handshake_failure", "bad_certificate"); {@link #failuresByCause()} says
     * which side sent it.
     *
     * @return an unmodifiable map, sorted by name; names never seen are absent
     */
    public Map<String, Long> failuresByAlert() { return failuresByAlert; }

    /** {@return failed handshakes by cause: an unmodifiable map, causes never seen absent} */
    public Map<Cause, Long> failuresByCause() { return failuresByCause; }

    /** {@return completed handshakes that resumed a session (TLS 1.2 session ID, RFC 5246 §7.3)} */
    public long handshakesResumed() { return handshakesResumed; }

    /** {@return completed handshakes by protocol version ("TLSv1.3", "TLSv1.2"): an unmodifiable sorted map} */
    public Map<String, Long> protocols() { return protocols; }

    /** {@return completed handshakes by cipher suite, IANA name: an unmodifiable sorted map} */
    public Map<String, Long> cipherSuites() { return cipherSuites; }

    /**
     * Completed handshakes by key-exchange group ("x25519", "X25519MLKEM768", "secp256r1", ...); a
     * handshake without a group of its own (a resumed TLS 1.2 session) is not counted here.
     *
     * @return an unmodifiable sorted map
     */
    public Map<String, Long> namedGroups() { return namedGroups; }

    /** {@return connections whose handshake has started and that have not ended yet: a gauge} */
    public long connectionsOpen() { return connectionsOpen; }

    /**
     * Server connections that closed before the peer sent any TLS byte: a load balancer's health check, a
     * port scan, a client's probe of the port. They are neither started nor failed handshakes.
     *
     * @return the connections that never spoke TLS
     */
    public long connectionsWithoutTls() { return connectionsWithoutTls; }

    /** {@return application plaintext bytes encrypted into records (not counting TLS overhead)} */
    public long bytesEncrypted() { return bytesEncrypted; }

    /** {@return application plaintext bytes decrypted and passed up the pipeline} */
    public long bytesDecrypted() { return bytesDecrypted; }

    /** {@return writes refused because they would have taken the queued plaintext past MAX_PENDING_BYTES (§4.4)} */
    public long writesRefused() { return writesRefused; }

    /** {@return plaintext queued and not yet encrypted, over all open connections: a gauge} */
    public long plaintextQueued() { return plaintextQueued; }

    @Override
    public String toString() {
        return "SslWriteStats(handshakes started=" + handshakesStarted + ", completed=" + handshakesCompleted
                + ", failed=" + handshakesFailed() + " " + failuresByCause + " " + failuresByAlert
                + ", resumed=" + handshakesResumed + ", protocols=" + protocols + ", cipherSuites=" + cipherSuites
                + ", namedGroups=" + namedGroups + ", connectionsOpen=" + connectionsOpen
                + ", connectionsWithoutTls=" + connectionsWithoutTls
                + ", bytesEncrypted=" + bytesEncrypted + ", bytesDecrypted=" + bytesDecrypted
                + ", writesRefused=" + writesRefused + ", plaintextQueued=" + plaintextQueued + ")";
    }
}
