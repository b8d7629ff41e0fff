package io.sslwrite;

import io.netty.buffer.ByteBufAllocator;
import org.bouncycastle.tls.ByteQueueInputStream;
import org.bouncycastle.tls.ContentType;
import org.bouncycastle.tls.KeyUpdateRequest;
import org.bouncycastle.tls.TlsContext;
import org.bouncycastle.tls.TlsClientProtocol;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * bctls's non-blocking client protocol with the changes sslwrite needs. Renegotiation: bctls 1.84
 * consults only the protocol's protected {@code getRenegotiationPolicy()} when a HelloRequest arrives
 * (the {@code TlsPeer} method of that name is never called), and its default is DENY. Output: records
 * go to a {@link ProtocolOutput} (see {@link BcProtocol}); input: application data is read from where
 * it was decrypted ({@link ReceivedRecord}).
 */
final class BcClientProtocol extends TlsClientProtocol implements BcProtocol {
    private final RenegotiationGate gate;
    private final ProtocolOutput output;
    private final ReceivedRecord received = new ReceivedRecord();
    private final HandshakeFraming handshakeFraming = new HandshakeFraming();

    BcClientProtocol(RenegotiationGate gate, ByteBufAllocator alloc) {
        this(gate, new ByteQueueInputStream(), new ProtocolOutput(alloc));
    }

    /** See {@link BcProtocol}: the stream constructor, used through bctls's non-blocking API. */
    private BcClientProtocol(RenegotiationGate gate, ByteQueueInputStream input, ProtocolOutput output) {
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
        super.offerInput(input, inputOff, inputLen);
    }

    /**
     * Application data after the handshake stays where it was decrypted ({@link ReceivedRecord}). A
     * server's malformed handshake framing ({@link HandshakeFraming}), or a message ending before its
     * fields, gets the RFC's alert, not bctls's {@code internal_error} (see
     * {@link BcServerProtocol#processRecord}).
     */
    @Override
    protected void processRecord(short protocol, byte[] buf, int off, int len) throws IOException {
        handshakeFraming.check(protocol, buf, off, len, getContext().getServerVersion());
        if (protocol != ContentType.application_data || getContext().getSecurityParametersConnection() == null
                || !received.hold(buf, off, len, super.getAvailableInputBytes())) {
            BcProtocol.decodingPeerBytes(() -> super.processRecord(protocol, buf, off, len));
        }
    }

    /** A KeyUpdate with update_requested is answered at once (see {@link BcServerProtocol#receive13KeyUpdate}). */
    @Override
    protected void receive13KeyUpdate(ByteArrayInputStream buf) throws IOException {
        byte[] body = buf.readAllBytes();
        super.receive13KeyUpdate(new ByteArrayInputStream(body));
        if (body[0] == KeyUpdateRequest.update_requested) {
            send13KeyUpdate(false);
        }
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
