package io.sslwrite;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.sslwrite.SslWriteStats.Cause;
import io.sslwrite.testing.StallingTransport;
import io.sslwrite.testing.TlsPair;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DESIGN §3.2, {@code context.stats()} on {@code EmbeddedChannel} pairs: the gauges (connections open,
 * plaintext queued), writes refused by {@code MAX_PENDING_BYTES}, and the causes of failures that this side
 * brings about. The counts against real peers are in {@code StatsInteropTest}.
 */
class StatsTest {

    @Test
    void aNewContextCountsNothing() throws Exception {
        SslWriteStats stats = SslWriteContext.forClient().build().stats();
        assertEquals(0, stats.handshakesStarted());
        assertEquals(0, stats.handshakesFailed());
        assertEquals(Map.of(), stats.failuresByCause());
        assertEquals(Map.of(), stats.protocols());
        assertEquals(0, stats.bytesEncrypted());
        assertEquals(0, stats.connectionsOpen());
    }

    @Test
    void aHandshakeIsCountedOnceOnEachSideWithWhatItNegotiated() {
        try (TlsPair pair = TlsPair.handshaken()) {
            for (SslWriteContext context : new SslWriteContext[] {pair.clientContext(), pair.serverContext()}) {
                SslWriteStats stats = context.stats();
                SslWriteSession session = pair.clientHandler().session();
                assertEquals(1, stats.handshakesStarted());
                assertEquals(1, stats.handshakesCompleted());
                assertEquals(0, stats.handshakesResumed());
                assertEquals(Map.of(session.protocol(), 1L), stats.protocols());
                assertEquals(Map.of(session.cipherSuite(), 1L), stats.cipherSuites());
                assertEquals(Map.of(session.namedGroup(), 1L), stats.namedGroups());
                assertEquals(1, stats.connectionsOpen());
            }
        }
    }

    @Test
    void queuedPlaintextIsAGaugeAndARefusedWriteIsCounted() {
        try (TlsPair pair = TlsPair.handshaken()) {
            SslWriteContext context = pair.clientContext();
            pair.clientHandler().setOption(SslWriteOption.MAX_PENDING_BYTES, 100_000);
            ChannelFuture kept = pair.client().write(pair.heapBuffer(60_000));
            ChannelFuture refused = pair.client().write(pair.heapBuffer(50_000));
            assertTrue(refused.cause() instanceof SslWantWriteException);
            assertEquals(60_000, context.stats().plaintextQueued());
            assertEquals(1, context.stats().writesRefused());
            assertEquals(0, context.stats().bytesEncrypted(), "nothing flushed yet");

            pair.client().flush();
            pair.transfer();
            assertTrue(kept.isSuccess());
            SslWriteStats after = context.stats();
            assertEquals(0, after.plaintextQueued());
            assertEquals(60_000, after.bytesEncrypted());
            assertEquals(60_000, pair.serverContext().stats().bytesDecrypted());
            assertEquals(1, after.writesRefused());
        }
    }

    @Test
    void zeroLengthWritesAndWritesRefusedForOtherReasonsCountNoBytesAndNoRefusal() {
        try (TlsPair pair = TlsPair.handshaken()) {
            assertTrue(pair.client().writeAndFlush(Unpooled.EMPTY_BUFFER).isSuccess());
            pair.client().close();
            ChannelFuture afterClose = pair.client().write(pair.heapBuffer(10));
            assertFalse(afterClose.isSuccess());
            SslWriteStats stats = pair.clientContext().stats();
            assertEquals(0, stats.bytesEncrypted());
            assertEquals(0, stats.writesRefused(), "only MAX_PENDING_BYTES refusals count");
        }
    }

    @Test
    void closeDuringTheHandshakeIsALocalCloseHereAndPeerClosedThere() {
        StallingTransport transport = StallingTransport.holdingAllWrites();
        try (TlsPair pair = TlsPair.builder().transport(transport).build()) {
            transport.releaseAll();
            pair.transferToServer();
            pair.client().close();
            transport.releaseAll();
            pair.client().runPendingTasks();
            pair.transferToServer();
            assertEquals(Map.of(Cause.LOCAL_CLOSE, 1L), pair.clientContext().stats().failuresByCause());
            assertEquals(Map.of(Cause.PEER_CLOSED, 1L), pair.serverContext().stats().failuresByCause());
            assertEquals(0, pair.clientContext().stats().connectionsOpen());
            assertEquals(0, pair.serverContext().stats().connectionsOpen());
            assertEquals(Map.of(), pair.serverContext().stats().failuresByAlert(), "user_canceled is a warning");
        }
    }

    @Test
    void aTransportFailureDuringTheHandshakeIsALocalError() {
        try (TlsPair pair = TlsPair.create()) {
            pair.client().pipeline().fireExceptionCaught(new IOException("Connection reset by peer"));
            SslWriteStats stats = pair.clientContext().stats();
            assertEquals(Map.of(Cause.LOCAL_ERROR, 1L), stats.failuresByCause());
            assertEquals(1, stats.handshakesFailed());
            assertEquals(0, stats.connectionsOpen());
        }
    }

    @Test
    void aConnectionThatEndsAfterItsHandshakeIsNoFailure() {
        try (TlsPair pair = TlsPair.handshaken()) {
            pair.client().pipeline().remove(pair.clientHandler());
            SslWriteStats stats = pair.clientContext().stats();
            assertEquals(0, stats.connectionsOpen());
            assertEquals(0, stats.handshakesFailed());
            assertEquals(1, stats.handshakesCompleted());
        }
    }

    @Test
    void closingBothChannelsLeavesNoConnectionOpen() {
        TlsPair pair = TlsPair.handshaken();
        pair.client().finishAndReleaseAll();
        pair.server().finishAndReleaseAll();
        assertEquals(0, pair.clientContext().stats().connectionsOpen());
        assertEquals(0, pair.serverContext().stats().connectionsOpen());
        assertEquals(0, pair.serverContext().stats().handshakesFailed());
        pair.close();
    }

    @Test
    void theSnapshotIsImmutable() {
        try (TlsPair pair = TlsPair.handshaken()) {
            SslWriteStats stats = pair.serverContext().stats();
            assertThrows(UnsupportedOperationException.class, () -> stats.protocols().put("TLSv1.1", 1L));
            assertThrows(UnsupportedOperationException.class, () -> stats.failuresByCause().clear());
            pair.client().writeAndFlush(pair.heapBuffer(100));
            pair.transfer();
            assertEquals(0, stats.bytesDecrypted(), "a snapshot does not move");
            assertEquals(100, pair.serverContext().stats().bytesDecrypted());
        }
    }
}
