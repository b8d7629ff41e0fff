package io.sslwrite.interop;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.sslwrite.SslWriteContext;
import io.sslwrite.interop.OpenSslRenegotiationInteropTest.OpenSslPeer;
import io.sslwrite.interop.OpenSslRenegotiationInteropTest.StreamProbe;
import io.sslwrite.testing.OpenSslConsole;
import io.sslwrite.testing.TestPki;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.sslwrite.interop.OpenSslRenegotiationInteropTest.awaitCondition;
import static io.sslwrite.interop.OpenSslRenegotiationInteropTest.startTypedOpenSslServer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DESIGN §4.6 under a race: over loopback, a burst of writes leaves the sslwrite client while
 * {@code openssl s_server -tls1_2} is told to renegotiate, 50 times on one connection. Whether the
 * HelloRequest arrives before, between or after the burst's writes is left to the scheduler; whatever
 * the order, s_server must never see an application record after its ServerHello ({@code unexpected
 * record}), and every byte must arrive once.
 */
class RenegotiationRaceTest extends AbstractInteropTest {

    private static final int ROUNDS = 50;
    private static final int WRITES_PER_BURST = 8;
    private static final int WRITE_SIZE = 16 << 10;

    @BeforeEach
    void requireOpenSsl() {
        opensslVersion();
    }

    @Test
    void writesRacingFiftyRenegotiationStartsNeverReachOpenSslMidHandshakeAndArriveOnceInOrder() throws Exception {
        int burst = WRITES_PER_BURST * WRITE_SIZE;
        byte[] stream = OpenSslConsole.payload(21, ROUNDS * burst);
        OpenSslPeer server = startTypedOpenSslServer(this, "-tls1_2");
        SslWriteContext context = SslWriteContext.forClient().trustManager(TestPki.caPem()).protocols("TLSv1.2").build();
        Connection client = connect(context, "localhost", server.port(), 0);
        StreamProbe probe = StreamProbe.install(client);
        awaitSuccess(client.handler().handshakeFuture(), "handshake with openssl s_server");

        List<ChannelFuture> writes = new ArrayList<>();
        for (int round = 0; round < ROUNDS; round++) {
            // Alternately type the command first and write first, so the race goes both ways.
            if (round % 2 == 0) {
                server.type("r");
            }
            for (int i = 0; i < WRITES_PER_BURST; i++) {
                int offset = round * burst + i * WRITE_SIZE;
                writes.add(client.channel().writeAndFlush(Unpooled.wrappedBuffer(stream, offset, WRITE_SIZE)));
            }
            if (round % 2 == 1) {
                server.type("r");
            }
            int renegotiations = round + 1;
            awaitCondition(() -> probe.completed() >= renegotiations, "renegotiation " + renegotiations, server);
        }

        client.awaitWrites(writes);
        assertTrue(server.console.awaitPayload(stream.length, GUARD_SECONDS), "s_server printing all: " + server.describe());
        assertEquals(OpenSslConsole.sha256(stream, 0, stream.length), server.console.payloadSha256(),
                "SHA-256 of what s_server printed: no byte lost, doubled or reordered");
        assertEquals(ROUNDS, client.handler().session().renegotiations());
        assertEquals(List.of(), client.receiver().exceptions);
        server.assertNoError();
        awaitSuccess(client.channel().close(), "closing the sslwrite client");
    }
}
