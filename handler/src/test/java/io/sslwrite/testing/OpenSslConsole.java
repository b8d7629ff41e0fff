package io.sslwrite.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The stdout of an {@code openssl s_server} or {@code s_client} run without {@code -quiet}, so that
 * it takes typed commands ({@code R}, {@code k}, ...): what it received from the TLS peer comes out
 * there mixed with its own report (connection details, "DONE", ...). Tests send payloads made of
 * bytes 0x80..0xFF only ({@link #payload}); openssl's report is ASCII. This reader splits the stream
 * by the top bit: payload bytes go to a SHA-256 and a counter, the rest to {@link #text()}.
 *
 * <p>Payload bytes never start a typed line either, so on openssl's stdin they are never taken for a
 * command, and a command written while openssl has read all the payload before it is read alone.
 */
public final class OpenSslConsole {

    private final MessageDigest digest;
    private final StringBuilder text = new StringBuilder();
    private long payloadBytes;
    private boolean ended;

    private OpenSslConsole() {
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Starts reading {@code stdout} on a daemon thread of its own until it ends. */
    public static OpenSslConsole reading(InputStream stdout, String name) {
        OpenSslConsole console = new OpenSslConsole();
        Thread thread = new Thread(() -> console.run(stdout), name + "-stdout");
        thread.setDaemon(true);
        thread.start();
        return console;
    }

    /** {@code size} bytes in 0x80..0xFF, the same for the same seed. */
    public static byte[] payload(long seed, int size) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        for (int i = 0; i < size; i++) {
            bytes[i] |= (byte) 0x80;
        }
        return bytes;
    }

    public static String sha256(byte[] bytes, int offset, int length) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(bytes, offset, length);
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void run(InputStream stdout) {
        byte[] chunk = new byte[65536];
        byte[] ascii = new byte[65536];
        try (stdout) {
            for (int n; (n = stdout.read(chunk)) > 0; ) {
                int payloadStart = -1;
                int asciiLength = 0;
                synchronized (this) {
                    for (int i = 0; i < n; i++) {
                        if (chunk[i] < 0) {
                            if (payloadStart < 0) {
                                payloadStart = i;
                            }
                        } else {
                            if (payloadStart >= 0) {
                                update(chunk, payloadStart, i);
                                payloadStart = -1;
                            }
                            ascii[asciiLength++] = chunk[i];
                        }
                    }
                    if (payloadStart >= 0) {
                        update(chunk, payloadStart, n);
                    }
                    text.append(new String(ascii, 0, asciiLength, StandardCharsets.US_ASCII));
                    notifyAll();
                }
            }
        } catch (IOException e) {
            // The process was destroyed: what was read is what there is.
        } finally {
            synchronized (this) {
                ended = true;
                notifyAll();
            }
        }
    }

    private void update(byte[] chunk, int from, int to) {
        digest.update(chunk, from, to - from);
        payloadBytes += to - from;
    }

    /** Payload bytes read so far. */
    public synchronized long payloadBytes() {
        return payloadBytes;
    }

    /** openssl's own report so far. */
    public synchronized String text() {
        return text.toString();
    }

    /** Waits until openssl has printed {@code expected}; false if it did not within {@code seconds}. */
    public synchronized boolean awaitText(String expected, long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (text.indexOf(expected) < 0 && !ended) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return text.indexOf(expected) >= 0;
    }

    /** Waits until {@code count} payload bytes have come; false if they did not within {@code seconds}. */
    public synchronized boolean awaitPayload(long count, long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (payloadBytes < count && !ended) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return payloadBytes >= count;
    }

    /** SHA-256 of the payload bytes read so far; call once, after {@link #awaitPayload}. */
    public synchronized String payloadSha256() {
        return HexFormat.of().formatHex(digest.digest());
    }
}
