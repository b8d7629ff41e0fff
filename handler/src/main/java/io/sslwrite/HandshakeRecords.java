package io.sslwrite;

import org.bouncycastle.tls.SessionParameters;
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
     * @param clientTicket     the RFC 5077 ticket a client received in this handshake, or null
     */
    static void completed(PeerConfig config, TlsContext context, String clientSessionKey, String serverName,
                          byte[] clientTicket) {
        if (config.keyLog() != null) {
            config.keyLog().log(context);
        }
        SessionCache<Object> cache = config.sessionCache();
        if (cache == null || context.getSecurityParametersConnection().isResumedSession() || TlsUtils.isTLSv13(context)) {
            return;
        }
        if (clientTicket != null && clientSessionKey != null) {
            keepTicket(cache, context, clientSessionKey, clientTicket);
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

    /**
     * A client that received a ticket has a session without an ID (RFC 5077 §3.4: it discards the ServerHello's),
     * which bctls will not offer; it is kept under an ID of our own, sent with the ticket, which the server echoes
     * when it accepts the ticket (bctls's client takes an echoed ID as resumption).
     */
    private static void keepTicket(SessionCache<Object> cache, TlsContext context, String key, byte[] ticket) {
        SessionParameters parameters = context.getSession() == null ? null : context.getSession().exportSessionParameters();
        if (parameters != null) {
            byte[] id = context.getNonceGenerator().generateNonce(32);
            cache.put(key, TlsUtils.importSession(id, parameters), null, ticket);
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
