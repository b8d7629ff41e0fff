package io.sslwrite.interop;

import io.sslwrite.SslWriteContext;
import io.sslwrite.testing.TestPki;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import javax.net.ssl.SSLException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.Arrays;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * DESIGN §4.7: "An alert the handler sends reaches the peer, whatever the application does on
 * exceptionCaught." A plain socket sends a malformed first flight, goes on writing for a while as a
 * real client does, then reads: it must get one fatal alert record whose description is the one the
 * server reported, then EOF, never a reset, from a server whose pipeline closes on
 * {@code exceptionCaught}. The families are those a TLS conformance fuzzer sends; openssl
 * {@code s_server -min_protocol TLSv1.2} answers each of them with its alert, then EOF.
 */
class MalformedClientHelloInteropTest extends AbstractInteropTest {

    private static final Pattern SENT_ALERT = Pattern.compile("sent fatal alert \\w+\\((\\d+)\\)");
    /** What the peer writes after its flight: application-data records, as a client that goes on. */
    private static final int WRITES_AFTER_FLIGHT = 64 * 1024;

    static Stream<Named<byte[]>> malformedFlights() {
        byte[] hello = clientHelloBody(0x0303, true);
        return Stream.of(
                Named.of("handshake length 1 byte short of the record", record(22, 0x0301,
                        handshake(1, hello, hello.length - 1))),
                Named.of("handshake length 1 byte past the record", record(22, 0x0301,
                        handshake(1, hello, hello.length + 1))),
                Named.of("handshake length 2^24 - 1", record(22, 0x0301, handshake(1, hello, (1 << 24) - 1))),
                Named.of("cipher-suite length past the record", record(22, 0x0301,
                        handshake(1, withCipherSuiteLength(hello, 0xfffe), -1))),
                Named.of("extensions length past the record", record(22, 0x0301,
                        handshake(1, withExtensionsLength(hello, 0xfff0), -1))),
                Named.of("Finished before ClientHello", record(22, 0x0301, handshake(20, new byte[32], -1))),
                Named.of("ClientKeyExchange before ClientHello", record(22, 0x0301, handshake(16, new byte[33], -1))),
                Named.of("unknown ClientHello version 0x0400", record(22, 0x0301,
                        handshake(1, clientHelloBody(0x0400, false), -1))),
                Named.of("unknown ClientHello version 0x7f7f", record(22, 0x0301,
                        handshake(1, clientHelloBody(0x7f7f, false), -1))),
                Named.of("TLS 1.1-only ClientHello", record(22, 0x0302,
                        handshake(1, clientHelloBody(0x0302, false), -1))),
                Named.of("zero-length handshake record", concat(record(22, 0x0301, new byte[0]),
                        record(22, 0x0301, handshake(1, hello, -1)))),
                Named.of("record of 2^14 + 2049 bytes", record(22, 0x0301, new byte[(1 << 14) + 2049])),
                Named.of("application data before the handshake", record(23, 0x0303, new byte[100])));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedFlights")
    void aMalformedFirstFlightIsAnsweredWithItsFatalAlertThenEofNeverAReset(byte[] flight) throws Exception {
        Server server = serveClosingOnException(
                SslWriteContext.forServer(TestPki.serverCertPem(), TestPki.serverKeyPem()).build());

        byte[] answer;
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            socket.setSoTimeout((int) (GUARD_SECONDS * 1000));
            OutputStream out = socket.getOutputStream();
            try {
                out.write(flight);
                byte[] more = new byte[1024];
                new Random(3).nextBytes(more);
                for (int sent = 0; sent < WRITES_AFTER_FLIGHT; sent += more.length) {
                    out.write(record(23, 0x0303, more));
                }
                out.flush();
            } catch (SocketException e) {
                fail("the server reset the connection while the peer was still writing: " + e);
            }
            answer = readToEof(socket.getInputStream());
        }
        Connection connection = server.accepted();
        await(connection.channel().closeFuture(), "the server closing the connection");

        assertEquals(1, connection.receiver().exceptions.size(), "exceptionCaught once: " + connection.receiver().exceptions);
        Throwable cause = connection.receiver().exceptions.get(0);
        assertInstanceOf(SSLException.class, cause);
        Matcher sent = SENT_ALERT.matcher(cause.getMessage());
        assertTrue(sent.find(), "the server reports the alert it sent: " + cause.getMessage());
        int description = Integer.parseInt(sent.group(1));

        assertEquals(7, answer.length, "one alert record, then EOF; got " + answer.length + " bytes: "
                + Arrays.toString(answer));
        assertEquals(21, answer[0], "an alert record");
        assertEquals(3, answer[1], "record version major 3");
        assertArrayEquals(new byte[] {0, 2, 2, (byte) description}, Arrays.copyOfRange(answer, 3, 7),
                "length 2, level fatal(2), the description the server reported");
    }

    /** Everything until EOF; a reset or a hang fails the test. */
    private static byte[] readToEof(InputStream in) throws IOException {
        ByteArrayOutputStream answer = new ByteArrayOutputStream();
        byte[] chunk = new byte[4096];
        try {
            for (int n; (n = in.read(chunk)) >= 0; ) {
                answer.write(chunk, 0, n);
            }
        } catch (SocketTimeoutException e) {
            fail("hang: no EOF within " + GUARD_SECONDS + " s after " + answer.size() + " bytes");
        } catch (SocketException e) {
            fail("the connection was reset after " + answer.size() + " bytes instead of ending with EOF: " + e);
        }
        return answer.toByteArray();
    }

    // ---- flights ----

    static byte[] record(int type, int version, byte[] fragment) {
        byte[] r = new byte[5 + fragment.length];
        r[0] = (byte) type;
        r[1] = (byte) (version >> 8);
        r[2] = (byte) version;
        r[3] = (byte) (fragment.length >> 8);
        r[4] = (byte) fragment.length;
        System.arraycopy(fragment, 0, r, 5, fragment.length);
        return r;
    }

    /** A handshake message; {@code declaredLength} -1 says its real length. */
    static byte[] handshake(int type, byte[] body, int declaredLength) {
        int length = declaredLength < 0 ? body.length : declaredLength;
        byte[] m = new byte[4 + body.length];
        m[0] = (byte) type;
        m[1] = (byte) (length >> 16);
        m[2] = (byte) (length >> 8);
        m[3] = (byte) length;
        System.arraycopy(body, 0, m, 4, body.length);
        return m;
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    /** Offsets in {@link #clientHelloBody}: version 2, random 32, session id length 1 (empty). */
    private static final int CIPHER_SUITES_LENGTH_OFFSET = 2 + 32 + 1;

    /**
     * A ClientHello body a TLS 1.2/1.3 server accepts (RFC 8446 §4.1.2): AES-GCM suites, x25519 key
     * share, supported_versions when {@code tls13}.
     */
    static byte[] clientHelloBody(int version, boolean tls13) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(version >> 8);
        b.write(version);
        byte[] random = new byte[32];
        new Random(1).nextBytes(random);
        b.writeBytes(random);
        b.write(0); // session id
        int[] suites = {0x1301, 0xc02b, 0xc02f};
        u16(b, suites.length * 2);
        for (int s : suites) {
            u16(b, s);
        }
        b.write(1); // compression methods
        b.write(0);
        ByteArrayOutputStream ext = new ByteArrayOutputStream();
        extension(ext, 0x000a, new byte[] {0, 4, 0x00, 0x1d, 0x00, 0x17});            // supported_groups
        extension(ext, 0x000b, new byte[] {1, 0});                                      // ec_point_formats
        extension(ext, 0x000d, new byte[] {0, 6, 4, 3, 8, 4, 4, 1});                    // signature_algorithms
        if (tls13) {
            extension(ext, 0x002b, new byte[] {4, 3, 4, 3, 3});                         // supported_versions
            byte[] share = new byte[2 + 2 + 2 + 32];
            share[1] = 36;
            share[3] = 0x1d;
            share[5] = 32;
            new Random(2).nextBytes(random);
            System.arraycopy(random, 0, share, 6, 32);
            extension(ext, 0x0033, share);                                              // key_share
        }
        u16(b, ext.size());
        b.writeBytes(ext.toByteArray());
        return b.toByteArray();
    }

    static byte[] withCipherSuiteLength(byte[] hello, int length) {
        byte[] h = hello.clone();
        h[CIPHER_SUITES_LENGTH_OFFSET] = (byte) (length >> 8);
        h[CIPHER_SUITES_LENGTH_OFFSET + 1] = (byte) length;
        return h;
    }

    static byte[] withExtensionsLength(byte[] hello, int length) {
        byte[] h = hello.clone();
        int suites = ((h[CIPHER_SUITES_LENGTH_OFFSET] & 0xff) << 8) | (h[CIPHER_SUITES_LENGTH_OFFSET + 1] & 0xff);
        int at = CIPHER_SUITES_LENGTH_OFFSET + 2 + suites + 2;
        h[at] = (byte) (length >> 8);
        h[at + 1] = (byte) length;
        return h;
    }

    private static void extension(ByteArrayOutputStream out, int type, byte[] data) {
        u16(out, type);
        u16(out, data.length);
        out.writeBytes(data);
    }

    private static void u16(ByteArrayOutputStream out, int v) {
        out.write(v >> 8);
        out.write(v);
    }
}
