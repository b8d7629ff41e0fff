package io.sslwrite;

import javax.net.ssl.SSLException;

/**
 * A write was refused because it would take queued plaintext past
 * {@link SslWriteOption#MAX_PENDING_BYTES}: the analogue of {@code SSL_ERROR_WANT_WRITE}. None of the
 * write's bytes were sent; earlier writes are unaffected. Wait for {@code channelWritabilityChanged}
 * and write again.
 */
public final class SslWantWriteException extends SSLException {
    /**
     * Makes the exception that fails a refused write.
     *
     * @param message what was refused and why, in words a user can act on
     */
    public SslWantWriteException(String message) {
        super(message);
    }
}
