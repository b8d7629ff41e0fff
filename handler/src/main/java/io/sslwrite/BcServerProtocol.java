package io.sslwrite;

import io.netty.buffer.ByteBufAllocator;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.ByteQueueInputStream;
import org.bouncycastle.tls.ClientHello;
import org.bouncycastle.tls.ContentType;
import org.bouncycastle.tls.KeyUpdateRequest;
import org.bouncycastle.tls.TlsContext;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsServerProtocol;
import org.bouncycastle.tls.TlsUtils;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * bctls's non-blocking server protocol with the changes sslwrite needs. Renegotiation: bctls 1.84
 * consults only the protocol's protected {@code getRenegotiationPolicy()} when a ClientHello arrives on
 * an established connection, and its default is DENY. Output: records go to a {@link ProtocolOutput}
 * (see {@link BcProtocol}); input: application data is read from where it was decrypted
 * ({@link ReceivedRecord}). Peer's bytes: what bctls would answer with {@code internal_error} gets the
 * alert the RFCs name (see {@link #processRecord} and {@link #receiveClientHelloMessage}).
 */
final class BcServerProtocol extends TlsServerProtocol implements BcProtocol {
    private final RenegotiationGate gate;
    private final ProtocolOutput output;
    private final ReceivedRecord received = new ReceivedRecord();
    private final HandshakeFraming handshakeFraming = new HandshakeFraming();
    /** The content type in the header of the record being offered, before any decryption. */
    private short outerType = -1;

    BcServerProtocol(RenegotiationGate gate, ByteBufAllocator alloc) {
        this(gate, new ByteQueueInputStream(), new ProtocolOutput(alloc));
    }

    /** See {@link BcProtocol}: the stream constructor, used through bctls's non-blocking API. */
    private BcServerProtocol(RenegotiationGate gate, ByteQueueInputStream input, ProtocolOutput output) {
        super(input, output);
        this.blocking = false;
        this.inputBuffers = input;
        this.outputBuffer = output;
        this.gate = gate;
        this.output = output;
    }

    @Override
    protected int getRenegotiationPolicy() {
        return gate.peerRequestsRenegotiation(isHandshaking());
    }

    @Override
    public ProtocolOutput output() {
        return output;
    }

    @Override
    public int getAvailableOutputBytes() {
        return output.available();
    }

    @Override
    public int readOutput(byte[] buffer, int offset, int length) {
        return output.read(buffer, offset, length);
    }

    @Override
    public int readOutput(ByteBuffer buffer, int length) {
        return output.read(buffer, length);
    }

    @Override
    public void offerInput(byte[] input, int inputOff, int inputLen) throws IOException {
        received.clear();
        outerType = inputLen > 0 ? (short) (input[inputOff] & 0xFF) : -1;
        super.offerInput(input, inputOff, inputLen);
    }

    /**
     * Application data after the handshake stays where it was decrypted ({@link ReceivedRecord}). What
     * bctls would answer with {@code internal_error}, or let through, in a peer's malformed bytes is
     * refused here with the alert the RFCs name, thrown as a {@link TlsFatalAlert} that bctls sends: the
     * handshake messages' framing ({@link HandshakeFraming}), a TLS 1.3 handshake record the client did
     * not encrypt, and a message that ends before its fields (bctls's {@code TlsUtils.readFully} throws
     * a bare {@code EOFException}, which {@code safeReadFullRecord} turns into {@code internal_error},
     * bctls 1.84 TlsProtocol.java:945-948).
     */
    @Override
    protected void processRecord(short protocol, byte[] buf, int off, int len) throws IOException {
        if (protocol == ContentType.handshake) {
            refusePlaintextHandshake13();
        }
        handshakeFraming.check(protocol, buf, off, len, getContext().getServerVersion());
        if (protocol != ContentType.application_data || getContext().getSecurityParametersConnection() == null
                || !received.hold(buf, off, len, super.getAvailableInputBytes())) {
            try {
                super.processRecord(protocol, buf, off, len);
            } catch (EOFException e) {
                throw new TlsFatalAlert(AlertDescription.decode_error, "a message ends before its fields", e);
            }
        }
    }

    /**
     * RFC 8446 §4.6.3: a KeyUpdate with update_requested is answered with our own KeyUpdate. bctls
     * only notes the request and sends the answer before its next application data record
     * (TlsProtocol.java:1751, 1060-1062), so a peer that waits for it before writing on waits for ever
     * if the application has nothing to write; the answer goes out now, with the records this read
     * produced.
     */
    @Override
    protected void receive13KeyUpdate(ByteArrayInputStream buf) throws IOException {
        byte[] body = buf.readAllBytes(); // not in the transcript (RFC 8446 §4.4.1): a copy will do
        super.receive13KeyUpdate(new ByteArrayInputStream(body));
        if (body[0] == KeyUpdateRequest.update_requested) {
            send13KeyUpdate(false);
        }
    }

    /**
     * RFC 8446 §2, §5.1: after the ServerHello every handshake message is encrypted. bctls's server
     * switches to the client's handshake keys only at the first {@code application_data} record
     * (RecordStream.checkRecordType, bctls 1.84 RecordStream.java:371), so until then it reads a
     * plaintext handshake record as such: an unencrypted Finished, even a correct one, would be read and
     * then fail in {@code enablePendingCipherRead} with {@code internal_error} (RecordStream.java:89-91).
     */
    private void refusePlaintextHandshake13() throws TlsFatalAlert {
        if (outerType == ContentType.handshake && connection_state == CS_SERVER_FINISHED
                && TlsUtils.isTLSv13(getContext())) {
            throw new TlsFatalAlert(AlertDescription.unexpected_message,
                    "a TLS 1.3 handshake record after the ServerHello was not encrypted");
        }
    }

    /**
     * RFC 5246 Appendix E.1, RFC 8446 §4.1.2 and Appendix D: a ClientHello's legacy_version higher than
     * any this server knows is answered with the server's highest version, and one lower than TLS's
     * lowest with {@code protocol_version}. bctls refuses any version whose major is not 3 with
     * {@code illegal_parameter} (TlsServerProtocol.generateServerHello, bctls 1.84
     * TlsServerProtocol.java:441-443), and {0xFE, 0xFE} throws an {@code IllegalArgumentException} in
     * {@code ProtocolVersion.get} (ProtocolVersion.java:394) that becomes {@code internal_error}. So bctls
     * parses the ClientHello with a higher major read as {3, 0xFF} (a later TLS 1.x: bctls negotiates its
     * own highest) and a lower one as {3, 0} (SSL 3.0: bctls answers {@code protocol_version}). The
     * transcript keeps the bytes the client sent: bctls hashes the message it queued, not this copy.
     */
    @Override
    protected ClientHello receiveClientHelloMessage(ByteArrayInputStream buf) throws IOException {
        int major = buf.read();
        int minor = buf.read();
        if (major < 0 || minor < 0) {
            throw new TlsFatalAlert(AlertDescription.decode_error, "a ClientHello shorter than its version");
        }
        if (major > 3) {
            minor = 0xFF;
            major = 3;
        } else if (major < 3) {
            minor = 0;
            major = 3;
        }
        byte[] rest = buf.readAllBytes();
        byte[] body = new byte[2 + rest.length];
        body[0] = (byte) major;
        body[1] = (byte) minor;
        System.arraycopy(rest, 0, body, 2, rest.length);
        return super.receiveClientHelloMessage(new ByteArrayInputStream(body));
    }

    @Override
    public int getAvailableInputBytes() {
        return received.available() + super.getAvailableInputBytes();
    }

    @Override
    public int readInput(byte[] buffer, int offset, int length) {
        int n = received.read(buffer, offset, length);
        return n + super.readInput(buffer, offset + n, length - n);
    }

    @Override
    public int readInput(ByteBuffer buffer, int length) {
        int n = received.read(buffer, length);
        return n + super.readInput(buffer, length - n);
    }

    @Override
    public TlsContext tlsContext() {
        return getContext();
    }

    @Override
    public void abort(short alertDescription, String message) throws IOException {
        raiseAlertFatal(alertDescription, message, null);
        handleFailure();
    }
}
