package io.sslwrite;

import org.bouncycastle.tls.ProtocolName;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.SessionParameters;
import org.bouncycastle.tls.TlsExtensionsUtils;
import org.bouncycastle.tls.crypto.TlsCrypto;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Hashtable;

/**
 * What a TLS 1.2 session ticket carries (RFC 5077 §4, the "encrypted_state"): enough for a server that never
 * saw the session to resume it, and to refuse it where the session does not belong.
 *
 * <pre>
 *   u8  format (1)           u16 cipher suite          u8 extended master secret (RFC 7627)
 *   u8  length, master secret (48 bytes)               u64 issued at, ms since the epoch
 *   u16 length, SNI host name (ASCII; 0: none)         u8 length, ALPN protocol (0: none)
 * </pre>
 * The SNI name is checked against the resuming ClientHello's (RFC 6066 §3: a session is not resumed for another
 * name); the ALPN protocol is the resumed session's, as bctls takes it from the session's server extensions.
 * No client certificate is carried: a server that asks for one issues no tickets.
 */
record TicketState(int cipherSuite, boolean extendedMasterSecret, byte[] masterSecret, long issuedMillis,
                   String serverName, String applicationProtocol) {

    private static final int FORMAT = 1;

    byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(96);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FORMAT);
            out.writeShort(cipherSuite);
            out.writeBoolean(extendedMasterSecret);
            out.writeByte(masterSecret.length);
            out.write(masterSecret);
            out.writeLong(issuedMillis);
            byte[] sni = serverName == null ? new byte[0] : serverName.getBytes(StandardCharsets.US_ASCII);
            out.writeShort(sni.length);
            out.write(sni);
            byte[] alpn = applicationProtocol == null ? new byte[0] : applicationProtocol.getBytes(StandardCharsets.UTF_8);
            out.writeByte(alpn.length);
            out.write(alpn);
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory failed", e);
        }
        return bytes.toByteArray();
    }

    /** The state of a ticket's decrypted bytes, or null if they are not one of ours (another format). */
    static TicketState decode(byte[] encoded) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(encoded))) {
            if (in.readUnsignedByte() != FORMAT) {
                return null;
            }
            int suite = in.readUnsignedShort();
            boolean ems = in.readBoolean();
            byte[] secret = in.readNBytes(in.readUnsignedByte());
            long issued = in.readLong();
            byte[] sni = in.readNBytes(in.readUnsignedShort());
            byte[] alpn = in.readNBytes(in.readUnsignedByte());
            if (secret.length != 48 || in.available() != 0) {
                return null;
            }
            return new TicketState(suite, ems, secret, issued,
                    sni.length == 0 ? null : new String(sni, StandardCharsets.US_ASCII),
                    alpn.length == 0 ? null : new String(alpn, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return null;                // truncated
        }
    }

    /** The session bctls resumes: TLS 1.2, this suite and master secret, and the ALPN protocol as agreed. */
    SessionParameters toSessionParameters(TlsCrypto crypto) throws IOException {
        Hashtable<Integer, byte[]> serverExtensions = new Hashtable<>();
        if (applicationProtocol != null) {
            TlsExtensionsUtils.addALPNExtensionServer(serverExtensions, ProtocolName.asUtf8Encoding(applicationProtocol));
        }
        return new SessionParameters.Builder()
                .setCipherSuite(cipherSuite)
                .setExtendedMasterSecret(extendedMasterSecret)
                .setMasterSecret(crypto.createSecret(masterSecret.clone()))
                .setNegotiatedVersion(ProtocolVersion.TLSv12)
                .setServerExtensions(serverExtensions)
                .build();
    }
}
