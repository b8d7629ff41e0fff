package io.sslwrite;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.AlertLevel;
import org.bouncycastle.tls.ContentType;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsFatalAlertReceived;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;

/**
 * Turns what bctls reports into exceptions whose messages a user can act on: the alert as
 * {@code name(code)}, who sent it, and the phase, never a bctls class name.
 */
final class Alerts {
    private Alerts() {
    }

    /** {@code bad_certificate(42)}. */
    static String name(short description) {
        return AlertDescription.getText(description);
    }

    static String phase(boolean handshaking) {
        return handshaking ? "during handshake" : "after handshake";
    }

    /** "peer sent fatal alert bad_certificate(42) during handshake". */
    static SSLException received(short description, boolean handshaking, Throwable cause) {
        return create("peer sent fatal alert " + name(description) + " " + phase(handshaking), handshaking, cause);
    }

    /**
     * "sent fatal alert bad_certificate(42) during handshake: host name ... does not match ...": the
     * detail is the reason bctls or our peer code gave when raising the alert.
     */
    static SSLException sent(short description, boolean handshaking, String detail, Throwable cause) {
        StringBuilder message = new StringBuilder("sent fatal alert ").append(name(description))
                .append(' ').append(phase(handshaking));
        String reason = reason(detail, cause);
        if (reason != null) {
            message.append(": ").append(reason);
        }
        return create(message.toString(), handshaking, cause);
    }

    /**
     * A fatal alert as an unencrypted record (RFC 8446 §5.1, §6), for the alerts bctls raises before
     * it can write any record itself. Record version 0x0303, as OpenSSL 3's s_server writes its alert
     * for a malformed ClientHello.
     */
    static ByteBuf plaintextRecord(ByteBufAllocator alloc, short description) {
        return alloc.buffer(7).writeByte(ContentType.alert).writeShort(0x0303).writeShort(2)
                .writeByte(AlertLevel.fatal).writeByte(description);
    }

    static SSLException create(String message, boolean handshaking, Throwable cause) {
        SSLException e = handshaking ? new SSLHandshakeException(message) : new SSLException(message);
        if (cause != null) {
            e.initCause(cause);
        }
        return e;
    }

    /**
     * The most specific reason on offer: our own peer code puts it in the TlsFatalAlert's detail,
     * which bctls formats as "name(code); detail"; bctls's generic "Failed to read record" is only
     * used when nothing better exists.
     */
    private static String reason(String detail, Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof TlsFatalAlert && !(t instanceof TlsFatalAlertReceived)) {
                String m = t.getMessage();
                int semicolon = m == null ? -1 : m.indexOf("; ");
                if (semicolon >= 0) {
                    return m.substring(semicolon + 2);
                }
            } else if (!(t instanceof TlsFatalAlert) && t.getMessage() != null) {
                return t.getMessage();
            }
        }
        return detail;
    }
}
