package io.sslwrite;

import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.TlsContext;
import org.bouncycastle.tls.TlsFatalAlert;

import java.io.EOFException;
import java.io.IOException;

/**
 * What the handler needs of either protocol subclass beyond bctls's public API.
 *
 * <p>Both subclasses are built with bctls's stream constructor, {@code TlsProtocol(InputStream,
 * OutputStream)}, the only one that lets the record layer ({@code RecordStream}) write to a stream of
 * the caller's: a {@link ProtocolOutput}. They then set the protected fields the other constructor
 * sets ({@code blocking = false}, {@code inputBuffers}, {@code outputBuffer}; bctls 1.84's
 * {@code TlsProtocol()} does nothing else), so that bctls runs exactly as in non-blocking mode, and
 * answer {@code getAvailableOutputBytes} and {@code readOutput} from the {@link ProtocolOutput}.
 */
interface BcProtocol {
    /** Where bctls writes its records; the handler takes them from here. */
    ProtocolOutput output();

    /** bctls keeps {@code getContext()} protected. */
    TlsContext tlsContext();

    /**
     * Ends the connection with a fatal alert of the handler's choosing (bctls's
     * {@code raiseAlertFatal} and {@code handleFailure} are protected): the alert is queued as output
     * and the protocol is closed and failed.
     */
    void abort(short alertDescription, String message) throws IOException;

    /** A call into bctls's reading of a peer's record. */
    interface PeerRead {
        void run() throws IOException;
    }

    /**
     * Runs bctls's reading of a peer's record, with a message that ends before its fields refused as
     * {@code decode_error}: bctls's {@code TlsUtils.readFully} throws a bare {@code EOFException}, which
     * {@code safeReadFullRecord} would answer with {@code internal_error} (bctls 1.84
     * TlsProtocol.java:945-948), as if the fault were ours.
     */
    static void decodingPeerBytes(PeerRead read) throws IOException {
        try {
            read.run();
        } catch (EOFException e) {
            throw new TlsFatalAlert(AlertDescription.decode_error, "a message ends before its fields", e);
        }
    }
}
