package io.sslwrite;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelProgressiveFuture;
import io.netty.channel.ChannelProgressiveFutureListener;
import io.netty.channel.ChannelProgressivePromise;
import io.sslwrite.testing.StallingTransport;
import io.sslwrite.testing.TestPki;
import io.sslwrite.testing.TlsPair;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLHandshakeException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** DESIGN §4.2: a write completes when the transport has written its last record; progress per record. */
class CompletionAndProgressTest {

    @Test
    void aWriteCompletesOnlyWhenTheTransportHasWrittenItsLastRecord() {
        StallingTransport transport = StallingTransport.holdingAllWrites();
        try (TlsPair pair = TlsPair.handshaken(transport)) {
            ChannelFuture write = pair.client().writeAndFlush(pair.heapBuffer(100_000));
            assertFalse(write.isDone(), "nothing has been written by the transport yet");
            assertTrue(transport.heldBytes() > 0);
            int rounds = 0;
            while (transport.heldWrites() > 0) {
                assertFalse(write.isDone(), "completed before the transport wrote every record");
                transport.releaseWrites(1);
                pair.client().runPendingTasks();
                rounds++;
            }
            assertTrue(write.isSuccess());
            assertEquals(2, rounds, "100000 bytes are two batches of at most 64 KiB");
            pair.transfer();
            assertArrayEquals(TlsPair.pattern(100_000), pair.serverReceived());
        }
    }

    @Test
    void aProgressivePromiseHearsOfEveryRecord() {
        try (TlsPair pair = TlsPair.handshaken()) {
            List<Long> progress = new ArrayList<>();
            List<Long> totals = new ArrayList<>();
            ChannelProgressivePromise promise = pair.client().newProgressivePromise();
            promise.addListener(new ChannelProgressiveFutureListener() {
                @Override
                public void operationProgressed(ChannelProgressiveFuture future, long sent, long total) {
                    progress.add(sent);
                    totals.add(total);
                }

                @Override
                public void operationComplete(ChannelProgressiveFuture future) {
                }
            });
            pair.client().writeAndFlush(pair.heapBuffer(100_000), promise);
            pair.transfer();
            assertTrue(promise.isSuccess());
            assertEquals(List.of(16384L, 32768L, 49152L, 65536L, 81920L, 98304L, 100_000L), progress);
            totals.forEach(t -> assertEquals(100_000L, t));
        }
    }

    @Test
    void aZeroLengthWriteSucceedsAfterTheWritesBeforeItAndEmitsNoRecord() {
        StallingTransport transport = StallingTransport.holdingAllWrites();
        try (TlsPair pair = TlsPair.handshaken(transport)) {
            ChannelFuture data = pair.client().write(pair.heapBuffer(1000));
            ChannelFuture empty = pair.client().writeAndFlush(pair.heapBuffer(0));
            assertFalse(data.isDone());
            assertFalse(empty.isDone(), "must wait for the write before it");
            transport.releaseAll();
            pair.client().runPendingTasks();
            assertTrue(data.isSuccess());
            assertTrue(empty.isSuccess());
            pair.transfer();
            assertEquals(List.of(1000 + 17), pair.clientRecords().applicationData().lengths());
        }
    }

    @Test
    void aZeroLengthWriteAloneSucceedsAndEmitsNothing() {
        try (TlsPair pair = TlsPair.handshaken()) {
            ChannelFuture empty = pair.client().writeAndFlush(pair.heapBuffer(0));
            pair.transfer();
            assertTrue(empty.isSuccess());
            assertEquals(0, pair.wire().length);
        }
    }

    @Test
    void writesBeforeTheHandshakeWaitForItAndGoOutInOrder() {
        try (TlsPair pair = TlsPair.create()) {
            ChannelFuture first = pair.client().writeAndFlush(bytes("first "));
            ChannelFuture second = pair.client().writeAndFlush(bytes("second"));
            assertFalse(first.isDone());
            assertEquals(12, pair.clientHandler().pendingOutboundBytes());
            pair.handshake();
            pair.transfer();
            assertTrue(first.isSuccess());
            assertTrue(second.isSuccess());
            assertEquals("first second", new String(pair.serverReceived(), StandardCharsets.US_ASCII));
        }
    }

    @Test
    void writesBeforeAFailedHandshakeFailWithItsCause() {
        try (TlsPair pair = TlsPair.builder().client(b -> b.trustManager(TestPki.wrongCaPem())).build()) {
            ChannelFuture write = pair.client().writeAndFlush(bytes("never sent"));
            pair.transfer();
            assertTrue(pair.clientHandler().handshakeFuture().isDone());
            Throwable cause = pair.clientHandler().handshakeFuture().cause();
            assertInstanceOf(SSLHandshakeException.class, cause);
            assertSame(cause, write.cause());
            assertEquals(0, pair.serverReceived().length);
        }
    }

    @Test
    void aWriteBeforeTheHandshakeCompletesOnlyAfterHandshakeFutureAndItsEvent() {
        try (TlsPair pair = TlsPair.create()) {
            List<String> seen = new ArrayList<>();
            pair.clientHandler().handshakeFuture().addListener(f -> seen.add("handshakeFuture"));
            ChannelFuture write = pair.client().writeAndFlush(pair.heapBuffer(1000));
            write.addListener(f -> seen.add("write, handshakeFuture.isSuccess() = "
                    + pair.clientHandler().handshakeFuture().isSuccess() + ", event fired = "
                    + pair.clientEvents().contains(io.netty.handler.ssl.SslHandshakeCompletionEvent.SUCCESS)));
            pair.handshake();
            pair.transfer();
            assertTrue(write.isSuccess());
            assertEquals(List.of("handshakeFuture", "write, handshakeFuture.isSuccess() = true, event fired = true"), seen);
        }
    }

    @Test
    void anExceptionWhileEncryptingFailsAndReleasesEveryWriteOfTheBatch() {
        try (TlsPair pair = TlsPair.handshaken()) {
            io.netty.buffer.ByteBuf small = pair.heapBuffer(100);
            io.netty.buffer.ByteBuf broken = new BrokenArrayBuffer(TlsPair.pattern(20_000));
            ChannelFuture first = pair.client().write(small);
            ChannelFuture second = pair.client().writeAndFlush(broken);
            assertTrue(second.isDone() && !second.isSuccess(), "the write that broke encryption fails");
            assertTrue(first.isDone(), "the write already encrypted into the failed pass completes");
            assertFalse(first.isSuccess(), "its record never reached the transport");
            assertEquals(0, small.refCnt(), "and its buffer is released");
            assertEquals(0, broken.refCnt());
            assertEquals(1, pair.clientExceptions().size(), pair.clientExceptions().toString());
        }
    }

    /** A heap buffer whose array offset points past its array: bctls throws when it reads from it. */
    private static final class BrokenArrayBuffer extends io.netty.buffer.UnpooledHeapByteBuf {
        BrokenArrayBuffer(byte[] bytes) {
            super(io.netty.buffer.UnpooledByteBufAllocator.DEFAULT, bytes, bytes.length);
        }

        @Override
        public int arrayOffset() {
            return Integer.MAX_VALUE / 2;
        }
    }

    private static io.netty.buffer.ByteBuf bytes(String s) {
        return io.netty.buffer.Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
    }
}
