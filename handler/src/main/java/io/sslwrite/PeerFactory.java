package io.sslwrite;

import org.bouncycastle.tls.TlsPeer;

/**
 * Makes the bctls peer ({@code TlsClient} or {@code TlsServer}) of one connection, configured by the
 * context that made the handler; the handler knows no more of the context than this.
 */
@FunctionalInterface
interface PeerFactory {
    TlsPeer newPeer(PeerListener listener);
}
