package io.sslwrite;

/**
 * What the bctls peer ({@code TlsClient}/{@code TlsServer} built by {@link SslWriteContext}) reports to
 * the handler. bctls calls these from inside {@code offerInput}, {@code connect} or
 * {@code writeApplicationData}, so always on the channel's event loop.
 */
interface PeerListener {

    /** {@code TlsPeer.notifyHandshakeComplete()}: the initial handshake or a renegotiation finished. */
    void handshakeComplete();

    /** {@code TlsPeer.notifyAlertRaised}: bctls queued an alert of ours for the peer. */
    void alertRaised(short level, short description, String message, Throwable cause);

    /** {@code TlsPeer.notifyAlertReceived}: the peer sent us an alert. */
    void alertReceived(short level, short description);
}
