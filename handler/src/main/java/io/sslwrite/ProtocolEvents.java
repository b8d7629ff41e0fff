package io.sslwrite;

import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.AlertLevel;
import org.bouncycastle.tls.RenegotiationPolicy;
import org.bouncycastle.tls.TlsFatalAlertReceived;

import javax.net.ssl.SSLException;
import java.util.EnumSet;

/**
 * bctls's callbacks: what the peer object and the protocol subclasses report from inside a call into
 * bctls is noted here and acted on by {@link #actOnReported} once the call has returned, so that no
 * event and no user code runs inside bctls's own processing.
 */
final class ProtocolEvents implements PeerListener, RenegotiationGate {

    private enum Reported { RENEGOTIATION_STARTED, HANDSHAKE_COMPLETED, PEER_CLOSE_NOTIFY }

    /** The first fatal alert bctls raised on this connection, with the reason it gave. */
    private record RaisedAlert(short description, String detail, Throwable cause) { }

    private final Connection conn;
    private final EnumSet<Reported> reported = EnumSet.noneOf(Reported.class);
    private RaisedAlert fatalAlertRaised;
    private int warningAlerts;

    ProtocolEvents(Connection conn) {
        this.conn = conn;
    }

    @Override
    public void handshakeComplete() {
        reported.add(Reported.HANDSHAKE_COMPLETED);
    }

    @Override
    public void alertRaised(short level, short description, String message, Throwable cause) {
        conn.stats.alertSent(level, description);
        if (level == AlertLevel.fatal && fatalAlertRaised == null) {
            fatalAlertRaised = new RaisedAlert(description, message, cause);
        }
    }

    @Override
    public void alertReceived(short level, short description) {
        conn.stats.alertReceived(level, description);
        if (level == AlertLevel.warning && description == AlertDescription.close_notify) {
            reported.add(Reported.PEER_CLOSE_NOTIFY);
        } else if (level == AlertLevel.warning) {
            warningAlerts++;
        }
    }

    @Override
    public int peerRequestsRenegotiation(boolean handshaking) {
        Renegotiation policy = conn.options.renegotiation();
        if (!conn.client && policy == Renegotiation.IGNORE) {
            // bctls would drop the ClientHello without a word and the peer would wait forever (§4.6).
            policy = Renegotiation.DENY;
        }
        if (policy == Renegotiation.ACCEPT && !handshaking && conn.state() == ConnectionState.OPEN) {
            conn.moveTo(ConnectionState.RENEGOTIATING);
            reported.add(Reported.RENEGOTIATION_STARTED);
            return RenegotiationPolicy.ACCEPT;
        }
        return policy == Renegotiation.IGNORE ? RenegotiationPolicy.IGNORE : RenegotiationPolicy.DENY;
    }

    /** Warning alerts other than close_notify received so far; the read path limits their floods. */
    int warningAlerts() {
        return warningAlerts;
    }

    /** Whether the last call into bctls reported anything to act on. */
    boolean anyReported() {
        return !reported.isEmpty();
    }

    /** Acts on what bctls reported during the call that just returned: events, handshake, close_notify. */
    void actOnReported() {
        if (reported.remove(Reported.RENEGOTIATION_STARTED)) {
            conn.ctx.fireUserEventTriggered(SslRenegotiationEvent.STARTED);
        }
        if (reported.remove(Reported.HANDSHAKE_COMPLETED)) {
            conn.handshakeCompleted();
        }
        if (reported.remove(Reported.PEER_CLOSE_NOTIFY)) {
            conn.end(Ending.PEER_CLOSE_NOTIFY, new SSLException(
                    "peer sent close_notify and closed the TLS connection; this write was not sent"));
        }
    }

    /**
     * The description of the fatal alert bctls raised but could not put on the wire: a server's
     * bctls writes nothing until it has accepted a ClientHello ({@code RecordStream.writeRecord}
     * returns while its write version is unset), so the alert for a malformed first flight is the
     * handler's to send; -1 if there is none.
     */
    short unsentFatalAlert() {
        return fatalAlertRaised != null && !conn.client && !conn.bctlsSpoke() ? fatalAlertRaised.description() : -1;
    }

    /** bctls threw: the exception a user reads, naming the alert sent or received and the phase. */
    SSLException failure(Throwable e) {
        boolean handshaking = conn.state().isBeforeHandshake();
        if (e instanceof TlsFatalAlertReceived received) {
            return Alerts.received(received.getAlertDescription(), handshaking, e);
        }
        if (fatalAlertRaised != null) {
            return Alerts.sent(fatalAlertRaised.description(), handshaking, fatalAlertRaised.detail(),
                    fatalAlertRaised.cause() != null ? fatalAlertRaised.cause() : e);
        }
        return Alerts.create("TLS failure " + Alerts.phase(handshaking) + ": " + e, handshaking, e);
    }
}
