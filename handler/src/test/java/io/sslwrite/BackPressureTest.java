package io.sslwrite;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.sslwrite.testing.Records;
import io.sslwrite.testing.StallingTransport;
import io.sslwrite.testing.TlsPair;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** DESIGN §4.3: back-pressure (WANT_WRITE), on an EmbeddedChannel whose transport holds every write. */
class BackPressureTest {

    /** Ciphertext of one pass: four full TLS 1.3 records. */
    private static final int BATCH_CIPHERTEXT = 4 * (Records.HEADER_LENGTH + Records.MAX_PLAINTEXT + Records.TLS13_AEAD_OVERHEAD);

    @Test
    void plaintextStaysQueuedWhileTheTransportIsFull() {
        StallingTransport transport = StallingTransport.holdingAllWrites();
        try (TlsPair pair = TlsPair.handshaken(transport)) {
            ChannelFuture write = pair.client().writeAndFlush(pair.heapBuffer(1 << 20));
            int releases = 0;
            while (!write.isDone()) {
                assertTrue(transport.heldBytes() <= pair.highWaterMark() + BATCH_CIPHERTEXT,
                        "ciphertext in flight " + transport.heldBytes());
                long sent = transport.releasedBytes() + transport.heldBytes();
                assertTrue(pair.clientHandler().pendingOutboundBytes() >= (1 << 20) - sent,
                        "what is not encrypted stays queued as plaintext");
                transport.releaseAll();
                pair.client().runPendingTasks();
                releases++;
            }
            assertTrue(write.isSuccess());
            assertEquals(16, releases, "1 MiB goes out in 16 passes of 64 KiB, each waiting for the transport");
            pair.transfer();
            assertEquals(64, pair.clientRecords().applicationData().size());
            assertArrayEquals(TlsPair.pattern(1 << 20), pair.serverReceived());
        }
    }

    @Test
    void queuedPlaintextMakesTheChannelUnwritableUntilItDrains() {
        StallingTransport transport = StallingTransport.holdingAllWrites();
        try (TlsPair pair = TlsPair.handshaken(transport)) {
            int[] changes = new int[1];
            pair.client().pipeline().addLast(new ChannelInboundHandlerAdapter() {
                @Override
                public void channelWritabilityChanged(ChannelHandlerContext ctx) {
                    changes[0]++;
                }
            });
            assertTrue(pair.client().isWritable());
            pair.client().write(pair.heapBuffer(1 << 20)); // not flushed: all of it is queued plaintext
            assertFalse(pair.client().isWritable(), "1 MiB of queued plaintext is above the high water mark");
            assertEquals(1 << 20, pair.clientHandler().pendingOutboundBytes());
            pair.client().flush();
            while (pair.clientHandler().pendingOutboundBytes() > 0 || transport.heldWrites() > 0) {
                transport.releaseAll();
                pair.client().runPendingTasks();
            }
            assertTrue(pair.client().isWritable());
            assertTrue(changes[0] >= 2, "unwritable, then writable again: " + changes[0]);
        }
    }

    @Test
    void encryptionGoesOnWhileTheChannelIsUnwritableBecauseOfOurOwnPlaintext() {
        try (TlsPair pair = TlsPair.handshaken()) {
            // 4 MiB queued makes the channel unwritable; a handler that waited for isWritable() would
            // never encrypt and never drain it.
            ChannelFuture write = pair.client().write(pair.heapBuffer(4 << 20));
            assertFalse(pair.client().isWritable());
            pair.client().flush();
            pair.transfer();
            assertTrue(write.isSuccess());
            assertTrue(pair.client().isWritable());
            assertEquals(4 << 20, pair.serverReceived().length);
        }
    }

    @Test
    void aTransportThatTakesEverythingAtOnceStillLetsTheEventLoopTakeTurns() {
        try (TlsPair pair = TlsPair.handshaken()) {
            // EmbeddedChannel completes every write as it is flushed, like a socket that is never full.
            // A task queued at the handler's first flush runs as soon as the handler yields the loop.
            long[] pendingWhenOtherTaskRan = {-1};
            pair.client().pipeline().addFirst(new ChannelOutboundHandlerAdapter() {
                private boolean queued;

                @Override
                public void flush(ChannelHandlerContext ctx) {
                    if (!queued) {
                        queued = true;
                        ctx.executor().execute(() ->
                                pendingWhenOtherTaskRan[0] = pair.clientHandler().pendingOutboundBytes());
                    }
                    ctx.flush();
                }
            });
            ChannelFuture write = pair.client().writeAndFlush(pair.heapBuffer(4 << 20));
            pair.transfer();
            // A turn encrypts about 1 MiB (16 passes of 64 KiB), then the loop's other tasks run; without
            // the bound all 4 MiB would be gone before any of them.
            long pending = pendingWhenOtherTaskRan[0];
            assertTrue(pending >= (3 << 20) - (64 << 10) && pending < (4 << 20), "pending then: " + pending);
            assertTrue(write.isSuccess());
            assertEquals(4 << 20, pair.serverReceived().length);
        }
    }
}
