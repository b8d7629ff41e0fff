package io.sslwrite.bench;

/**
 * The TLS implementations measured side by side. Each one talks to itself: client and server of a
 * pair are always the same contestant, so a row of the results compares whole stacks.
 */
public enum Contestant {
    /** {@code SslWriteHandler} on bctls, crypto from the JDK's providers. */
    SSLWRITE,
    /** Netty's {@code SslHandler} over the JDK's own {@code SSLEngine} (SunJSSE). */
    NETTY_JDK,
    /** Netty's {@code SslHandler} over BouncyCastle's JSSE provider, on the JDK's crypto: the same bctls jars as SSLWRITE. */
    NETTY_BCJSSE,
    /** Netty's {@code SslHandler} over BoringSSL (netty-tcnative). */
    NETTY_OPENSSL
}
