package io.sslwrite;

import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;
import org.bouncycastle.tls.SecurityParameters;
import org.bouncycastle.tls.TlsContext;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.crypto.TlsSecret;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Appends each handshake's secrets to a file in the NSS key log format that Wireshark and curl's
 * {@code SSLKEYLOGFILE} use, so that captured traffic can be decrypted while debugging: a
 * {@code CLIENT_RANDOM <client random> <master secret>} line for TLS 1.2, and for TLS 1.3 the four lines
 * {@code CLIENT_HANDSHAKE_TRAFFIC_SECRET}, {@code SERVER_HANDSHAKE_TRAFFIC_SECRET},
 * {@code CLIENT_TRAFFIC_SECRET_0} and {@code SERVER_TRAFFIC_SECRET_0}, each with the client random.
 *
 * <p>Secrets are read when bctls reports the handshake complete ({@code TlsPeer.notifyHandshakeComplete}):
 * the connection's {@link SecurityParameters} still hold the master secret, the handshake traffic secrets
 * (as the Finished base keys) and the first application traffic secrets; bctls clears them right after.
 * They are copied through {@link TlsSecret#encrypt} with an identity "encryptor", since
 * {@link TlsSecret#extract()} would destroy the secret the connection still needs.
 *
 * <p>One write per handshake, appended with the file opened and closed each time: a few hundred bytes, on
 * the event loop. That is a blocking file write, acceptable for a debugging aid that is off by default; the
 * context warns at {@code build()} when it is on.
 */
final class KeyLogWriter {

    private static final InternalLogger logger = InternalLoggerFactory.getInstance(KeyLogWriter.class);
    private static final HexFormat HEX = HexFormat.of();

    private final Path file;

    private KeyLogWriter(Path file) {
        this.file = file;
    }

    /**
     * Checks that {@code file} can be appended to (creating it if need be) and warns that secrets will go there.
     *
     * @throws SSLException if it cannot be opened for appending, saying why
     */
    static KeyLogWriter open(Path file) throws SSLException {
        try {
            Files.write(file, new byte[0], StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException | RuntimeException e) {
            throw new SSLException("keyLog(" + file + "): cannot append to the file: " + e, e);
        }
        logger.warn("keyLog is on: the TLS secrets of every connection of this context are appended to {};"
                + " anyone who can read that file can decrypt the traffic. Use it for debugging only.", file);
        return new KeyLogWriter(file);
    }

    /** Appends the lines of the handshake that just completed on {@code context}; failures go to the log only. */
    void log(TlsContext context) {
        SecurityParameters params = context.getSecurityParametersConnection();
        if (params == null) {
            return;
        }
        String random = HEX.formatHex(params.getClientRandom());
        StringBuilder lines = new StringBuilder();
        if (TlsUtils.isTLSv13(params.getNegotiatedVersion())) {
            line(lines, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", random, params.getBaseKeyClient());
            line(lines, "SERVER_HANDSHAKE_TRAFFIC_SECRET", random, params.getBaseKeyServer());
            line(lines, "CLIENT_TRAFFIC_SECRET_0", random, params.getTrafficSecretClient());
            line(lines, "SERVER_TRAFFIC_SECRET_0", random, params.getTrafficSecretServer());
        } else {
            line(lines, "CLIENT_RANDOM", random, params.getMasterSecret());
        }
        try {
            Files.write(file, lines.toString().getBytes(StandardCharsets.US_ASCII),
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException | RuntimeException e) {
            // The connection is fine; only the debugging aid failed.
            logger.warn("keyLog: cannot append to {}: {}", file, e.toString());
        }
    }

    private static void line(StringBuilder out, String label, String clientRandom, TlsSecret secret) {
        if (secret == null || !secret.isAlive()) {
            logger.debug("keyLog: no {} to log (bctls has already cleared it)", label);
            return;
        }
        byte[] bytes;
        try {
            bytes = secret.encrypt((in, off, len) -> Arrays.copyOfRange(in, off, off + len));
        } catch (IOException e) {
            return;
        }
        out.append(label).append(' ').append(clientRandom).append(' ').append(HEX.formatHex(bytes)).append('\n');
        Arrays.fill(bytes, (byte) 0);
    }
}
