package io.sslwrite;

/**
 * A crypto that offers only what a validated cryptographic module approves. The FIPS build's
 * {@code CryptoFactory} (handler/src/fips/java) makes one; the default build never does. It answers
 * bctls's {@code hasNamedGroup}, {@code hasEncryptionAlgorithm} and the like for approved choices only,
 * so {@link SslWriteContext.Builder#build()} drops the defaults it lacks and refuses a named choice
 * with {@link #module()} in the message; {@link SslWriteContext#isFips()} is this type test.
 */
interface ApprovedOnlyCrypto {

    /** The module and its mode, as messages and {@code toString()} show it. */
    String module();
}
