package io.sslwrite.interop;

import io.netty.channel.ChannelFuture;
import io.sslwrite.SslWriteContext;
import io.sslwrite.testing.TestPki;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * DESIGN §4.7 and RFC 5246 §7.2.1 / RFC 8446 §6.1: a peer's close_notify is answered with ours. A JDK
 * {@code SSLEngine} client over a plain socket reads part of a 32 MiB response, sends close_notify and
 * shuts down its output (FIN), then reads on: it must get a prefix of the response, then sslwrite's
 * close_notify, then EOF, never a reset.
 */
class PeerCloseNotifyInteropTest extends AbstractInteropTest {

    private static final int RESPONSE_BYTES = 32 << 20;
    private static final int READ_BEFORE_CLOSING = 1 << 20;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void closeNotifyAndFinMidResponseAreAnsweredWithOurCloseNotify(String protocol) throws Exception {
        Server server = serve(SslWriteContext.forServer(TestPki.serverCertPem(), TestPki.serverKeyPem()).build(), 0);
        byte[] response = payload(9, RESPONSE_BYTES);
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            socket.setSoTimeout((int) (GUARD_SECONDS * 1000));
            EngineClient client = new EngineClient(socket, protocol);
            client.handshake();
            Connection connection = server.accepted();
            awaitSuccess(connection.handler().handshakeFuture(), "server handshake");
            List<ChannelFuture> writes = connection.send(response);

            while (client.plaintext.size() < READ_BEFORE_CLOSING) {
                client.readRecords();
            }
            client.sendCloseNotifyAndFin();
            while (!client.closeNotifyReceived) {
                if (!client.readRecords()) {
                    fail("EOF after " + client.plaintext.size() + " bytes of the response without sslwrite's"
                            + " close_notify");
                }
            }
            assertTrue(client.readRecords() == false, "EOF right after close_notify");

            byte[] received = client.plaintext.toByteArray();
            assertArrayEquals(Arrays.copyOf(response, received.length), received, "a prefix of the response");
            awaitSuccess(connection.handler().sslCloseFuture(), "sslCloseFuture");
            ChannelFuture last = writes.get(writes.size() - 1);
            Throwable cause = assertFailed(last, "the last write, queued when close_notify arrived");
            assertInstanceOf(SSLException.class, cause);
            assertTrue(cause.getMessage().contains("close_notify"), cause.getMessage());
            await(connection.channel().closeFuture(), "the server closing");
        }
    }

    /** TLS through a JDK engine over a blocking socket, so that the test can half-close it. */
    static final class EngineClient {
        final SSLEngine engine;
        final ByteArrayOutputStream plaintext = new ByteArrayOutputStream();
        /** The engine unwrapped the peer's close_notify. */
        boolean closeNotifyReceived;
        private final InputStream in;
        private final OutputStream out;
        private ByteBuffer netIn = ByteBuffer.allocate(1 << 17);
        private final ByteBuffer appIn = ByteBuffer.allocate(1 << 17);

        EngineClient(Socket socket, String protocol) throws Exception {
            engine = jdkContext(false).createSSLEngine("localhost", socket.getPort());
            engine.setUseClientMode(true);
            engine.setEnabledProtocols(new String[] {protocol});
            in = socket.getInputStream();
            out = socket.getOutputStream();
            this.socket = socket;
        }

        private final Socket socket;

        void handshake() throws IOException {
            engine.beginHandshake();
            while (true) {
                switch (engine.getHandshakeStatus()) {
                    case NEED_WRAP -> wrap();
                    case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                        if (!unwrapOnce()) {
                            fill();
                        }
                    }
                    case NEED_TASK -> engine.getDelegatedTask().run();
                    default -> {
                        return;
                    }
                }
            }
        }

        void sendCloseNotifyAndFin() throws IOException {
            engine.closeOutbound();
            while (!engine.isOutboundDone()) {
                wrap();
            }
            socket.shutdownOutput();
        }

        /** Reads once from the socket and decrypts what it can; false at EOF. */
        boolean readRecords() throws IOException {
            boolean more = fill();
            while (unwrapOnce()) {
                // decrypt every whole record
            }
            return more;
        }

        private void wrap() throws IOException {
            ByteBuffer net = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
            engine.wrap(ByteBuffer.allocate(0), net);
            net.flip();
            out.write(net.array(), 0, net.limit());
            out.flush();
        }

        private boolean unwrapOnce() throws IOException {
            netIn.flip();
            SSLEngineResult result = engine.unwrap(netIn, appIn);
            netIn.compact();
            appIn.flip();
            plaintext.write(appIn.array(), 0, appIn.limit());
            appIn.clear();
            if (result.getStatus() == SSLEngineResult.Status.CLOSED && result.bytesConsumed() > 0) {
                closeNotifyReceived = true;
            }
            if (result.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_TASK) {
                engine.getDelegatedTask().run();
            }
            return result.getStatus() == SSLEngineResult.Status.OK && result.bytesConsumed() > 0;
        }

        private boolean fill() throws IOException {
            int n;
            try {
                n = in.read(netIn.array(), netIn.position(), netIn.remaining());
            } catch (SocketException e) {
                return fail("the connection was reset instead of ending with close_notify and EOF: " + e);
            }
            if (n < 0) {
                return false;
            }
            netIn.position(netIn.position() + n);
            return true;
        }
    }
}
