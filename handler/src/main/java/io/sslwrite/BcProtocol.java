package io.sslwrite;

import org.bouncycastle.tls.TlsContext;

/** What the handler reads from either protocol subclass: bctls keeps {@code getContext()} protected. */
interface BcProtocol {
    TlsContext tlsContext();
}
