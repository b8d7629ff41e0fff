package io.sslwrite;

import org.bouncycastle.tls.TlsClientProtocol;
import org.bouncycastle.tls.TlsContext;

import java.io.IOException;

/**
 * bctls's non-blocking client protocol with the one change sslwrite needs: bctls 1.84 consults only the
 * protocol's protected {@code getRenegotiationPolicy()} when a HelloRequest arrives (the {@code TlsPeer}
 * method of that name is never called), and its default is DENY.
 */
final class BcClientProtocol extends TlsClientProtocol implements BcProtocol {
    private final RenegotiationGate gate;

    BcClientProtocol(RenegotiationGate gate) {
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
