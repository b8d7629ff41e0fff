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
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * bctls's non-blocking server protocol with the changes sslwrite needs. Renegotiation: bctls 1.84
 * consults only the protocol's protected {@code getRenegotiationPolicy()} when a ClientHello arrives on
 * an established connection, and its default is DENY. Output: records go to a {@link ProtocolOutput}
 * (see {@link BcProtocol}); input: application data is read from where it was decrypted
 * ({@link ReceivedRecord}). Peer's bytes: what bctls would answer with {@code internal_error}, or
 * with an alert of its own choosing, gets the alert the RFCs name (see {@link #processRecord} and
 * {@link ClientHelloBody}).
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
     * not encrypt, and a message that ends before its fields ({@link BcProtocol#decodingPeerBytes}).
     */
    @Override
    protected void processRecord(short protocol, byte[] buf, int off, int len) throws IOException {
        if (protocol == ContentType.handshake) {
            refusePlaintextHandshake13();
        }
        handshakeFraming.check(protocol, buf, off, len, getContext().getServerVersion());
        if (protocol != ContentType.application_data || getContext().getSecurityParametersConnection() == null
                || !received.hold(buf, off, len, super.getAvailableInputBytes())) {
            BcProtocol.decodingPeerBytes(() -> super.processRecord(protocol, buf, off, len));
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

    /** bctls parses the client's ClientHello as {@link ClientHelloBody} gives it. */
    @Override
    protected ClientHello receiveClientHelloMessage(ByteArrayInputStream buf) throws IOException {
        return super.receiveClientHelloMessage(ClientHelloBody.forBctls(buf));
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
