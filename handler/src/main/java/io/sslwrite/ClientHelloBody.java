package io.sslwrite;

import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.TlsFatalAlert;

import java.io.ByteArrayInputStream;

/**
 * The body of a client's ClientHello as the server's bctls is given it to parse (the transcript keeps
 * the bytes the client sent: bctls hashes the message it queued, not this copy), so that a peer's odd
 * but decodable ClientHello gets the answer the RFCs give it, and a malformed one {@code decode_error}:
 * <ul>
 *   <li>legacy_version (RFC 5246 Appendix E.1, RFC 8446 §4.1.2 and Appendix D): one higher than any
 *       TLS 1.x is answered with the server's highest version, one lower than TLS's lowest with
 *       {@code protocol_version}. bctls refuses any version whose major is not 3 with
 *       {@code illegal_parameter} (TlsServerProtocol.generateServerHello, bctls 1.84
 *       TlsServerProtocol.java:441-443), and {0xFE, 0xFE} throws an {@code IllegalArgumentException}
 *       in {@code ProtocolVersion.get} (ProtocolVersion.java:394) that becomes {@code internal_error}.
 *       So a higher major is read as {3, 0xFF} (a later TLS 1.x: bctls negotiates its own highest), a
 *       lower one as {3, 0} (SSL 3.0: bctls answers {@code protocol_version});</li>
 *   <li>the vectors (RFC 8446 §4.1.2): session id, cipher suites, compression methods and extensions
 *       must fill the message exactly. bctls reads them one at a time and judges each before the next,
 *       so a cipher_suites length that swallows what follows gets {@code handshake_failure} for the
 *       compression methods it then reads from the wrong bytes (ClientHello.java:179-182).</li>
 * </ul>
 */
final class ClientHelloBody {
    private static final int VERSION_AND_RANDOM = 2 + 32;

    private ClientHelloBody() {
    }

    /** The body to give bctls, read from the client's message. */
    static ByteArrayInputStream forBctls(ByteArrayInputStream message) throws TlsFatalAlert {
        byte[] body = message.readAllBytes();
        checkVectors(body);
        int major = body[0] & 0xFF;
        if (major > 3) {
            body[0] = 3;
            body[1] = (byte) 0xFF;
        } else if (major < 3) {
            body[0] = 3;
            body[1] = 0;
        }
        return new ByteArrayInputStream(body);
    }

    private static void checkVectors(byte[] body) throws TlsFatalAlert {
        int at = VERSION_AND_RANDOM;
        if (at > body.length) {
            throw malformed("shorter than its version and random");
        }
        at = skipVector(body, at, 1, "legacy_session_id");
        at = skipVector(body, at, 2, "cipher_suites");
        at = skipVector(body, at, 1, "legacy_compression_methods");
        if (at < body.length) {
            at = skipVector(body, at, 2, "extensions");
        }
        if (at != body.length) {
            throw malformed((body.length - at) + " bytes after its extensions");
        }
    }

    /** The offset after the vector at {@code at}, whose length takes {@code lengthBytes} bytes. */
    private static int skipVector(byte[] body, int at, int lengthBytes, String name) throws TlsFatalAlert {
        if (at + lengthBytes > body.length) {
            throw malformed("ends before the length of its " + name);
        }
        int length = lengthBytes == 1 ? body[at] & 0xFF : (body[at] & 0xFF) << 8 | body[at + 1] & 0xFF;
        int end = at + lengthBytes + length;
        if (end > body.length) {
            throw malformed("its " + name + " (" + length + " bytes) runs past its end");
        }
        return end;
    }

    private static TlsFatalAlert malformed(String what) {
        return new TlsFatalAlert(AlertDescription.decode_error, "a ClientHello " + what);
    }
}
