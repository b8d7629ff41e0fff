package io.sslwrite.interop;

import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.sslwrite.SslWriteContext;
import io.sslwrite.testing.Records;
import io.sslwrite.testing.TestPki;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import javax.net.ssl.SSLException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * DESIGN §4.7: "Nothing a peer sends can throw out of the event loop, hang the handler or leak a
 * buffer." A plain TCP socket sends an sslwrite server 1 KiB that is not TLS; the server answers at
 * most with an alert, closes, and reports the failure once.
 */
class PlainSocketPeerInteropTest extends AbstractInteropTest {

    static Stream<Named<byte[]>> garbage() {
        byte[] random = new byte[1024];
        new Random(12).nextBytes(random);
        // Not a TLS content type (20..23), nor the high bit of an SSLv2-style header.
        random[0] = 0x01;
        byte[] http = Arrays.copyOf("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII), 1024);
        Arrays.fill(http, 36, 1024, (byte) 'x');
        return Stream.of(Named.of("1 KiB of random bytes", random), Named.of("1 KiB of plain HTTP", http));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("garbage")
    void serverReceivingGarbageClosesTheConnectionAndReportsOneSslException(byte[] garbage) throws Exception {
        Server server = serve(SslWriteContext.forServer(TestPki.serverCertPem(), TestPki.serverKeyPem()).build(), 0);

        byte[] answer;
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            socket.setSoTimeout((int) (GUARD_SECONDS * 1000));
            socket.getOutputStream().write(garbage);
            socket.getOutputStream().flush();
            try (InputStream in = socket.getInputStream()) {
                answer = in.readAllBytes();
            } catch (SocketTimeoutException e) {
                answer = fail("hang: the server neither answered nor closed within " + GUARD_SECONDS + " s");
            } catch (java.net.SocketException e) {
                // A reset after the alert is a close too.
                answer = new byte[0];
            }
        }
        Connection connection = server.accepted();
        await(connection.channel().closeFuture(), "the server closing the connection");

        Records records = Records.parseLeniently(answer);
        assertEquals(records.alerts().size(), records.size(), "the server may answer with an alert only: " + records);
        assertEquals(1, connection.receiver().exceptions.size(),
                "exceptionCaught once, got: " + connection.receiver().exceptions);
        Throwable cause = connection.receiver().exceptions.get(0);
        assertInstanceOf(SSLException.class, cause);
        // The bytes themselves must be refused: a server that waits for the rest of a "record" until
        // HANDSHAKE_TIMEOUT_MILLIS lets any non-TLS peer hold a connection open.
        assertFalse(cause instanceof SslHandshakeTimeoutException,
                "the server should refuse the garbage it received, not wait for more of it: " + cause);
        assertTrue(connection.handler().handshakeFuture().isDone() && !connection.handler().handshakeFuture().isSuccess(),
                "the handshake fails with the connection");
    }

    /**
     * A load balancer's health check, a port scan, {@code wrk}'s probe: a TCP connection that closes
     * without sending a byte never spoke TLS. As with Netty's SslHandler for a server whose handshake
     * never started, that is no handshake failure: no failed {@code SslHandshakeCompletionEvent}, no
     * {@code exceptionCaught}; the handshake future completes (it fails, saying why) all the same.
     */
    @Test
    void aConnectionThatClosesBeforeSendingAByteEndsQuietly() throws Exception {
        Server server = serve(SslWriteContext.forServer(TestPki.serverCertPem(), TestPki.serverKeyPem()).build(), 0);
        new Socket(InetAddress.getLoopbackAddress(), server.port()).close();
        Connection connection = server.accepted();
        await(connection.channel().closeFuture(), "the server closing the connection");
        assertEquals(List.of(), connection.receiver().exceptions);
        assertEquals(List.of(), connection.receiver().events);
        Throwable cause = connection.handler().handshakeFuture().cause();
        assertInstanceOf(SSLException.class, cause);
        assertEquals("connection closed by the peer before it sent any TLS byte", cause.getMessage());
    }
}
