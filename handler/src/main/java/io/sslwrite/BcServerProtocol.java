package io.sslwrite;

import org.bouncycastle.tls.TlsContext;

import java.io.IOException;
import org.bouncycastle.tls.TlsServerProtocol;

/**
 * bctls's non-blocking server protocol with the one change sslwrite needs: bctls 1.84 consults only the
 * protocol's protected {@code getRenegotiationPolicy()} when a ClientHello arrives on an established
 * connection, and its default is DENY.
 */
final class BcServerProtocol extends TlsServerProtocol implements BcProtocol {
    private final RenegotiationGate gate;

    BcServerProtocol(RenegotiationGate gate) {
        this.gate = gate;
    }

    @Override
    protected int getRenegotiationPolicy() {
        return gate.peerRequestsRenegotiation(isHandshaking());
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
