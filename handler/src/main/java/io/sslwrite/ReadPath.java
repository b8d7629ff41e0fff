package io.sslwrite;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.TlsProtocol;

import java.io.IOException;

/**
 * The read path (§5): frames inbound bytes into whole records, offers each to bctls alone, passes the
 * plaintext up, ends floods bctls lets through, and honours {@code autoRead} and {@code read()}.
 */
final class ReadPath implements ReadFramer.RecordSink {

    /** Empty records accepted in a row after the handshake, as OpenSSL's MAX_EMPTY_RECORDS. */
    static final int MAX_EMPTY_RECORDS_IN_A_ROW = 32;

    /** Warning alerts accepted in a row before the connection ends, as OpenSSL's MAX_WARN_ALERT_COUNT. */
    static final int MAX_WARNING_ALERTS_IN_A_ROW = 5;

    private final Connection conn;
    private final ReadFramer framer = new ReadFramer();
    private int warningAlertsInARow;
    private int emptyRecordsInARow;
    /** The application asked for data (read()) that has not come yet. */
    private boolean readRequested;
    /** This read batch passed plaintext up, so it ends with channelReadComplete. */
    private boolean firedReadInBatch;
    /** Whether the peer has sent any byte at all (a connection that sends none never spoke TLS). */
    private boolean heardFromPeer;

    ReadPath(Connection conn) {
        this.conn = conn;
    }

    void channelRead(ByteBuf in) {
        heardFromPeer |= in.isReadable();
        try {
            if (conn.state().hasEnded()) {
                // bctls is closed for input: what still arrives (the peer's last records, or what it
                // writes while an alert of ours drains) is read and dropped.
                return;
            }
            if (conn.state() == ConnectionState.PLAINTEXT) {
                conn.endPlaintext(() -> { }); // STARTTLS: the peer has begun TLS
            }
            framer.frame(in, conn.alloc, this);
        } catch (IOException | RuntimeException e) {
            conn.end(Ending.FATAL, conn.events.failure(e));
        } finally {
            in.release();
        }
    }

    /** One whole record for bctls; then act on what it reported. */
    @Override
    public boolean record(byte[] record, int length) {
        int warningsBefore = conn.events.warningAlerts();
        if (conn.state() == ConnectionState.HANDSHAKING && conn.peer instanceof BcTlsClient) {
            // The FIPS build's bctls cannot say which group it used: the client reads the ServerHello's
            // key_share itself (see BcTlsClient.observeServerRecord).
            ((BcTlsClient) conn.peer).observeServerRecord(record, length);
        }
        try {
            conn.protocol.offerInput(record, 0, length);
        } catch (IOException | RuntimeException e) {
            conn.end(Ending.FATAL, conn.events.failure(e));
            return false;
        }
        warningAlertsInARow = conn.events.warningAlerts() == warningsBefore ? 0 : warningAlertsInARow + 1;
        if (warningAlertsInARow > MAX_WARNING_ALERTS_IN_A_ROW) {
            abort("peer sent " + warningAlertsInARow + " warning alerts in a row (more than "
                    + MAX_WARNING_ALERTS_IN_A_ROW + " end the connection)");
            return false;
        }
        if (countEmptyRecord() > MAX_EMPTY_RECORDS_IN_A_ROW) {
            abort("peer sent " + emptyRecordsInARow + " empty records in a row (more than "
                    + MAX_EMPTY_RECORDS_IN_A_ROW + " end the connection)");
            return false;
        }
        // §4.2: a completed handshake is announced before the first plaintext goes up.
        int available = conn.protocol.getAvailableInputBytes();
        conn.events.actOnReported();
        if (available > 0) {
            passUp(available);
        }
        if (!conn.state().hasEnded()) {
            conn.flushProtocolOutput();
        }
        return !conn.state().hasEnded();
    }

    private void passUp(int available) {
        ByteBuf plaintext = conn.alloc.buffer(available);
        int n = conn.protocol.readInput(plaintext.internalNioBuffer(0, available), available);
        plaintext.writerIndex(n);
        conn.stats.decrypted(n);
        firedReadInBatch = true;
        readRequested = false;
        conn.ctx.fireChannelRead(plaintext);
    }

    /**
     * Counts records after the handshake that carried nothing: no plaintext, no event, no answer.
     * Each is legal (RFC 5246 §6.2.1 allows zero-length application data), a flood of them only
     * spends the CPU, so like OpenSSL's MAX_EMPTY_RECORDS a long run of them ends the connection.
     */
    private int countEmptyRecord() {
        TlsProtocol protocol = conn.protocol;
        boolean empty = conn.state() == ConnectionState.OPEN && protocol.getAvailableInputBytes() == 0
                && !conn.events.anyReported() && protocol.getAvailableOutputBytes() == 0;
        emptyRecordsInARow = empty ? emptyRecordsInARow + 1 : 0;
        return emptyRecordsInARow;
    }

    /**
     * Ends the connection with {@code unexpected_message} for a flood bctls lets through: warning
     * alerts it does not know (it ignores them, so a peer could keep a connection busy for ever;
     * RFC 8446 §6.2 lets either side close on any alert) or empty records.
     */
    private void abort(String reason) {
        conn.abort(AlertDescription.unexpected_message, reason, null);
    }

    void read(ChannelHandlerContext ctx) {
        readRequested = true;
        ctx.read();
    }

    void readComplete(ChannelHandlerContext ctx) {
        boolean fired = firedReadInBatch;
        firedReadInBatch = false;
        if (fired) {
            ctx.fireChannelReadComplete();
        }
        if (ctx.channel().config().isAutoRead()) {
            return;
        }
        ConnectionState state = conn.state();
        if (state.hasEnded()) {
            ctx.read(); // until the peer's EOF closes the channel (the drain after an alert, §4.7)
        } else if (state.readsHandshake()) {
            // A handshake is read to its end even with autoRead off (§4.6), whatever else this read brought.
            ctx.read();
        } else if (!fired && readRequested) {
            // The read the application asked for brought only handshake bytes or part of a record.
            ctx.read();
        }
    }

    boolean heardFromPeer() {
        return heardFromPeer;
    }

    void release() {
        framer.release();
    }
}
