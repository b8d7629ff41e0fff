package io.sslwrite.testing;

import io.sslwrite.SslWriteContext;

import javax.net.ssl.SSLException;

/**
 * Which build the tests run on: the default one (bctls 1.84) or the FIPS one (bctls-fips on
 * BouncyCastle's FIPS module, run with -Pfips), as {@link SslWriteContext#isFips()} says. Tests whose
 * expectation differs between the two assert each build's own answer; none is skipped.
 */
public final class BuildMode {

    /** {@code true} when the handler under test is {@code sslwrite-handler-fips}. */
    public static final boolean FIPS = detect();

    /** The group two sslwrite peers agree on by default: the post-quantum hybrid, or P-256 in FIPS. */
    public static final String DEFAULT_GROUP = FIPS ? "secp256r1" : "X25519MLKEM768";

    private BuildMode() { }

    private static boolean detect() {
        try {
            return SslWriteContext.forClient().build().isFips();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot build a default client context", e);
        }
    }
}
