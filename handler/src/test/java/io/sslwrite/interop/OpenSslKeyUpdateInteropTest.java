package io.sslwrite.interop;

import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.sslwrite.SslWriteContext;
import io.sslwrite.interop.OpenSslRenegotiationInteropTest.OpenSslPeer;
import io.sslwrite.interop.OpenSslRenegotiationInteropTest.PacedWriter;
import io.sslwrite.interop.OpenSslRenegotiationInteropTest.StreamProbe;
import io.sslwrite.testing.OpenSslConsole;
import io.sslwrite.testing.TestPki;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static io.sslwrite.interop.OpenSslRenegotiationInteropTest.awaitCondition;
import static io.sslwrite.interop.OpenSslRenegotiationInteropTest.startTypedOpenSslClient;
import static io.sslwrite.interop.OpenSslRenegotiationInteropTest.startTypedOpenSslServer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DESIGN §4.6, last sentences: TLS 1.3 KeyUpdate pauses nothing. {@code k} (update_not_requested) and
 * {@code K} (update_requested: sslwrite must update its own sending keys too) are typed on openssl's
 * stdin three times while data flows both ways; every byte arrives (SHA-256) and no renegotiation
 * event fires. openssl runs without {@code -quiet}; see {@link OpenSslRenegotiationInteropTest} for how
 * payload and commands share its stdin and stdout.
 */
class OpenSslKeyUpdateInteropTest extends AbstractInteropTest {

    private static final int SIZE = 16 << 20;
    private static final int PARTS = 4;

    @BeforeEach
    void requireOpenSsl() {
        opensslVersion();
    }

    @ParameterizedTest(name = "typed {0}")
    @ValueSource(strings = {"k", "K"})
    void keyUpdatesTypedOnOpenSslServerPauseNothingAndKeepBothStreamsIntact(String command) throws Exception {
        byte[] toServer = OpenSslConsole.payload(11, SIZE);
        byte[] toClient = OpenSslConsole.payload(12, SIZE);
        OpenSslPeer server = startTypedOpenSslServer(this, "-tls1_3");
        SslWriteContext context = SslWriteContext.forClient().trustManager(TestPki.caPem()).protocols("TLSv1.3").build();
        Connection client = connect(context, "localhost", server.port(), SIZE);
        StreamProbe probe = StreamProbe.install(client);
        awaitSuccess(client.handler().handshakeFuture(), "handshake with openssl s_server");
        assertEquals("TLSv1.3", client.handler().session().protocol());

        runStreams(server, client, probe, toServer, toClient, command + "\n", "SSL_do_handshake -> 1");
        awaitSuccess(client.channel().close(), "closing the sslwrite client");
    }

    @ParameterizedTest(name = "typed {0}")
    @ValueSource(strings = {"k", "K"})
    void keyUpdatesTypedOnOpenSslClientPauseNothingAndKeepBothStreamsIntact(String command) throws Exception {
        byte[] toServer = OpenSslConsole.payload(13, SIZE);
        byte[] toClient = OpenSslConsole.payload(14, SIZE);
        SslWriteContext context = SslWriteContext.forServer(TestPki.serverCertPem(), TestPki.serverKeyPem())
                .protocols("TLSv1.3").build();
        Server server = serve(context, SIZE);
        OpenSslPeer client = startTypedOpenSslClient(this, server.port(), "-tls1_3");
        Connection connection = server.accepted();
        StreamProbe probe = StreamProbe.install(connection);
        awaitSuccess(connection.handler().handshakeFuture(), "handshake with openssl s_client");

        runStreams(client, connection, probe, toServer, toClient, command, "KEYUPDATE");
        assertEquals(3, client.stderr().split("KEYUPDATE", -1).length - 1,
                "s_client performed the three key updates: " + client.describe());
    }

    /**
     * sslwrite writes {@code fromSslwrite} at a pace while openssl's stdin carries {@code toSslwrite} in
     * {@link #PARTS} parts, with {@code command} typed between them once sslwrite has received each;
     * the next part is fed once openssl has printed {@code acknowledgement} for the command (openssl
     * drops whatever it read together with a command).
     */
    private void runStreams(OpenSslPeer openssl, Connection connection, StreamProbe probe, byte[] fromSslwrite,
                            byte[] toSslwrite, String command, String acknowledgement) throws Exception {
        PacedWriter writer = PacedWriter.start(connection, fromSslwrite);
        int part = SIZE / PARTS;
        for (int i = 0; i < PARTS; i++) {
            openssl.write(toSslwrite, i * part, part);
            long fed = (long) (i + 1) * part;
            awaitCondition(() -> probe.received() >= fed, "sslwrite receiving " + fed + " bytes", openssl);
            if (i < PARTS - 1) {
                openssl.peer.stdin().write(command.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                openssl.peer.stdin().flush();
                int updates = i + 1;
                awaitCondition(() -> openssl.count(acknowledgement) >= updates, "openssl carrying out key update "
                        + updates, openssl);
            }
        }
        awaitSuccess(writer.done(), "sslwrite's paced stream");
        assertTrue(openssl.console.awaitPayload(SIZE, GUARD_SECONDS), "openssl printing all: " + openssl.describe());
        assertEquals(OpenSslConsole.sha256(fromSslwrite, 0, SIZE), openssl.console.payloadSha256(),
                "sslwrite -> openssl: SHA-256 of what openssl printed");
        assertSameBytes(toSslwrite, connection.receiver().awaitDigest(), "openssl -> sslwrite");
        assertEquals(List.of(SslHandshakeCompletionEvent.SUCCESS), OpenSslRenegotiationInteropTest.handshakeEvents(connection),
                "a KeyUpdate is no renegotiation");
        assertEquals(0, connection.handler().session().renegotiations());
        assertEquals(List.of(), connection.receiver().exceptions);
        openssl.assertNoError();
    }
}
