package io.sslwrite;

import javax.net.ssl.SSLException;

/**
 * A write was refused because the peer's renegotiation is in progress and
 * {@link SslWriteOption#AUTO_RETRY} is off: the analogue of {@code SSL_ERROR_WANT_READ}. None of the
 * write's bytes were sent; write again after {@link SslRenegotiationEvent#COMPLETED}.
 */
public final class SslWantReadException extends SSLException {
    /**
     * Makes the exception that fails a refused write.
     *
     * @param message what was refused and why, in words a user can act on
     */
    public SslWantReadException(String message) {
        super(message);
    }
}
