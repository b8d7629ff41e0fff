package io.sslwrite;

import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.sslwrite.SslWriteStats.Cause;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.AlertLevel;

/**
 * One connection's recorder for {@link SslWriteContext#stats()}: the connection calls it at each event
 * (one line at each spot), and it decides what counts. Runs on the connection's event loop only, so its
 * own fields are plain.
 *
 * <p>Phases: NEW (the channel is not active, or STARTTLS's plaintext) → HANDSHAKING (counted as started and
 * open) → OPEN (completed) → ENDED (no longer open; a failure if it was still HANDSHAKING). A connection
 * that ends while NEW was never counted.
 */
final class ConnectionStats {
    private enum Phase { NEW, HANDSHAKING, OPEN, ENDED }

    private final ContextStats context;
    private final LoopCounters loop;
    private final WriteQueue queue;
    private Phase phase = Phase.NEW;
    /** The first fatal alert received, or -1. */
    private short alertReceived = -1;
    /** The first fatal alert this side raised, or -1. */
    private short alertSent = -1;
    /** The peer sent close_notify or user_canceled: it is leaving, whatever bctls answers. */
    private boolean peerLeft;

    ConnectionStats(ContextStats context, LoopCounters loop, WriteQueue queue) {
        this.context = context;
        this.loop = loop;
        this.queue = queue;
    }

    void handshakeStarted() {
        if (phase == Phase.NEW) {
            phase = Phase.HANDSHAKING;
            context.opened(this);
        }
    }

    /** The initial handshake, or a renegotiation (not counted), completed. */
    void handshakeCompleted(SslWriteSession session) {
        if (phase == Phase.HANDSHAKING) {
            phase = Phase.OPEN;
            context.completed(session);
        }
    }

    void alertSent(short level, short description) {
        if (level == AlertLevel.fatal && alertSent < 0) {
            alertSent = description;
        }
    }

    void alertReceived(short level, short description) {
        if (level == AlertLevel.fatal && alertReceived < 0) {
            alertReceived = description;
        } else if (description == AlertDescription.close_notify || description == AlertDescription.user_canceled) {
            peerLeft = true;
        }
    }

    /** The connection ended ({@code Connection.end}), first time only. */
    void ended(Ending how, Throwable cause) {
        Phase was = phase;
        phase = Phase.ENDED;
        if (how == Ending.NO_TLS && was == Phase.HANDSHAKING) {
            context.withoutTls(this);
            return;
        }
        if (was == Phase.HANDSHAKING || was == Phase.OPEN) {
            context.closed(this);
        }
        if (was == Phase.HANDSHAKING) {
            Cause why = cause(how, cause);
            short alert = why == Cause.ALERT_RECEIVED ? alertReceived : why == Cause.ALERT_SENT ? alertSent : -1;
            context.failed(why, alert < 0 ? null : AlertDescription.getName(alert));
        }
    }

    /**
     * The timer's own exception first (bctls may raise an alert as the connection ends); then the peer's
     * fatal alert (bctls answers none with one of its own); then the peer leaving (a close_notify during the
     * handshake makes bctls raise handshake_failure, which is its answer, not the cause); then our alert;
     * then how the connection ended.
     */
    private Cause cause(Ending how, Throwable cause) {
        if (cause instanceof SslHandshakeTimeoutException) {
            return Cause.TIMEOUT;
        }
        if (alertReceived >= 0) {
            return Cause.ALERT_RECEIVED;
        }
        if (peerLeft) {
            return Cause.PEER_CLOSED;
        }
        if (alertSent >= 0) {
            return Cause.ALERT_SENT;
        }
        return switch (how) {
            case PEER_CLOSE_NOTIFY, EOF, NO_TLS -> Cause.PEER_CLOSED;
            case FATAL, TRANSPORT -> Cause.LOCAL_ERROR;
            case LOCAL_CLOSE, CLOSED_BELOW, CLOSE_TIMEOUT, REMOVED -> Cause.LOCAL_CLOSE;
        };
    }

    /** Plaintext bytes of application data went into records. */
    void encrypted(long n) {
        loop.encrypted(n);
    }

    /** Plaintext bytes of application data came out of records. */
    void decrypted(long n) {
        loop.decrypted(n);
    }

    /** A write was refused by {@code MAX_PENDING_BYTES} (§4.4). */
    void writeRefused() {
        loop.writeRefused();
    }

    long plaintextQueued() {
        return queue.pendingBytes();
    }
}
