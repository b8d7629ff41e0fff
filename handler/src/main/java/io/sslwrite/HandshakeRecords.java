package io.sslwrite;

import org.bouncycastle.tls.TlsContext;
import org.bouncycastle.tls.TlsSession;
import org.bouncycastle.tls.TlsUtils;

import java.nio.ByteBuffer;

/**
 * What a context keeps of each completed handshake, called by the bctls peers from
 * {@code notifyHandshakeComplete}, while bctls still holds the connection's secrets (it clears them right
 * after): the key log's lines, and the session of a full TLS 1.2 handshake for later resumption, a server's
 * by its session ID, a client's by the host and port it dialled.
 */
final class HandshakeRecords {

    private HandshakeRecords() {
    }

    /**
     * @param clientSessionKey a client's "host:port", or null (a server, or a client without a host name)
     * @param serverName       the SNI name of the connection, which a server's session is kept to
     */
    static void completed(PeerConfig config, TlsContext context, String clientSessionKey, String serverName) {
        if (config.keyLog() != null) {
            config.keyLog().log(context);
        }
        SessionCache<Object> cache = config.sessionCache();
        if (cache == null || context.getSecurityParametersConnection().isResumedSession() || TlsUtils.isTLSv13(context)) {
            return;
        }
        TlsSession session = context.getResumableSession();
        if (session == null || session.getSessionID().length == 0) {
            return;
        }
        if (context.isServer()) {
            cache.put(serverKey(session.getSessionID()), session, serverName);
        } else if (clientSessionKey != null) {
            cache.put(clientSessionKey, session, null);
        }
    }

    /** Whether the handshake in progress renegotiates a connection that already completed one. */
    static boolean isRenegotiation(TlsContext context) {
        return context.getSecurityParametersConnection() != null;
    }

    /** The server cache's key for a session ID (a copy: bctls keeps the array). */
    static Object serverKey(byte[] sessionId) {
        return ByteBuffer.wrap(sessionId.clone());
    }
}
