package io.sslwrite;

import org.bouncycastle.tls.TlsContext;

import java.io.IOException;

/** What the handler needs of either protocol subclass beyond bctls's public API. */
interface BcProtocol {
    /** bctls keeps {@code getContext()} protected. */
    TlsContext tlsContext();

    /**
     * Ends the connection with a fatal alert of the handler's choosing (bctls's
     * {@code raiseAlertFatal} and {@code handleFailure} are protected): the alert is queued as output
     * and the protocol is closed and failed.
     */
    void abort(short alertDescription, String message) throws IOException;
}
