package io.sslwrite;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.DefaultByteBufHolder;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.UnsupportedMessageTypeException;
import io.netty.util.AbstractReferenceCounted;
import io.netty.util.ReferenceCounted;
import io.sslwrite.testing.Records;
import io.sslwrite.testing.TlsPair;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** DESIGN §4.1: records and coalescing, asserted on the wire. */
class RecordsAndCoalescingTest {

    private static final int TLS13_RECORD_OVERHEAD = Records.TLS13_AEAD_OVERHEAD;

    @Test
    void oneMebibyteFlushedAtOnceMakesSixtyFourFullRecords() {
        try (TlsPair pair = TlsPair.handshaken()) {
            ChannelFuture write = pair.client().writeAndFlush(pair.heapBuffer(1 << 20));
            pair.transfer();
            assertTrue(write.isSuccess(), String.valueOf(write.cause()));
            Records records = pair.clientRecords().applicationData();
            assertEquals(64, records.size());
            assertEquals(Collections.nCopies(64, 16384 + TLS13_RECORD_OVERHEAD), records.lengths());
            assertArrayEquals(TlsPair.pattern(1 << 20), pair.serverReceived());
        }
    }

    @Test
    void smallWritesArePackedIntoFullRecords() {
        try (TlsPair pair = TlsPair.handshaken()) {
            List<ChannelFuture> writes = new ArrayList<>();
            byte[] all = TlsPair.pattern(100 * 1000);
            for (int i = 0; i < 100; i++) {
                writes.add(pair.client().write(Unpooled.wrappedBuffer(all, i * 1000, 1000)));
            }
            pair.client().flush();
            pair.transfer();
            writes.forEach(w -> assertTrue(w.isSuccess()));
            Records records = pair.clientRecords().applicationData();
            // ceil(100000 / 16384) = 7: six full records and one of 100000 - 6 * 16384 = 1696 bytes.
            assertEquals(7, records.size(), records.toString());
            for (int i = 0; i < 6; i++) {
                assertEquals(16384 + TLS13_RECORD_OVERHEAD, records.get(i).length());
            }
            assertEquals(1696 + TLS13_RECORD_OVERHEAD, records.get(6).length());
            assertArrayEquals(all, pair.serverReceived());
        }
    }

    @Test
    void maxRecordSizeSetsThePlaintextOfEveryRecord() {
        try (TlsPair pair = TlsPair.handshaken()) {
            assertTrue(pair.clientHandler().setOption(SslWriteOption.MAX_RECORD_SIZE, 1000));
            pair.client().writeAndFlush(pair.heapBuffer(10_500));
            pair.transfer();
            Records records = pair.clientRecords().applicationData();
            assertEquals(11, records.size());
            assertEquals(1000 + TLS13_RECORD_OVERHEAD, records.get(0).length());
            assertEquals(500 + TLS13_RECORD_OVERHEAD, records.get(10).length());
            assertArrayEquals(TlsPair.pattern(10_500), pair.serverReceived());
        }
    }

    @Test
    void writesFlushedSeparatelyAreNotPackedTogether() {
        try (TlsPair pair = TlsPair.handshaken()) {
            pair.client().writeAndFlush(pair.heapBuffer(100));
            pair.client().writeAndFlush(pair.heapBuffer(100));
            pair.transfer();
            assertEquals(List.of(100 + TLS13_RECORD_OVERHEAD, 100 + TLS13_RECORD_OVERHEAD),
                    pair.clientRecords().applicationData().lengths());
        }
    }

    @Test
    void directAndCompositeBuffersArriveByteExact() {
        try (TlsPair pair = TlsPair.handshaken()) {
            byte[] expected = TlsPair.pattern(70_000);
            ByteBuf direct = pair.client().alloc().directBuffer(30_000).writeBytes(expected, 0, 30_000);
            CompositeByteBuf composite = Unpooled.compositeBuffer();
            composite.addComponent(true, Unpooled.wrappedBuffer(expected, 30_000, 20_000));
            composite.addComponent(true, pair.client().alloc().directBuffer().writeBytes(expected, 50_000, 20_000));
            ChannelFuture first = pair.client().write(direct);
            ChannelFuture second = pair.client().writeAndFlush(composite);
            pair.transfer();
            assertTrue(first.isSuccess());
            assertTrue(second.isSuccess());
            assertEquals(0, direct.refCnt());
            assertEquals(0, composite.refCnt());
            assertArrayEquals(expected, pair.serverReceived());
            assertEquals(5, pair.clientRecords().applicationData().size());
        }
    }

    @Test
    void aByteBufHolderIsSentAndReleased() {
        try (TlsPair pair = TlsPair.handshaken()) {
            DefaultByteBufHolder holder = new DefaultByteBufHolder(pair.heapBuffer(5000));
            ChannelFuture write = pair.client().writeAndFlush(holder);
            pair.transfer();
            assertTrue(write.isSuccess());
            assertEquals(0, holder.refCnt());
            assertArrayEquals(TlsPair.pattern(5000), pair.serverReceived());
        }
    }

    @Test
    void otherMessageTypesFailWithUnsupportedMessageTypeAndAreReleased() {
        try (TlsPair pair = TlsPair.handshaken()) {
            ReferenceCounted message = new AbstractReferenceCounted() {
                @Override
                protected void deallocate() {
                }

                @Override
                public ReferenceCounted touch(Object hint) {
                    return this;
                }
            };
            ChannelFuture write = pair.client().writeAndFlush(message);
            ChannelFuture text = pair.client().writeAndFlush("not a buffer");
            assertInstanceOf(UnsupportedMessageTypeException.class, write.cause());
            assertInstanceOf(UnsupportedMessageTypeException.class, text.cause());
            assertEquals(0, message.refCnt());
            pair.transfer();
            assertEquals(0, pair.clientRecords().applicationData().size());
        }
    }

    @Test
    void writesWithoutFlushStayQueued() {
        try (TlsPair pair = TlsPair.handshaken()) {
            ChannelFuture write = pair.client().write(pair.heapBuffer(4000));
            pair.transfer();
            assertEquals(0, pair.wire().length);
            assertEquals(4000, pair.clientHandler().pendingOutboundBytes());
            pair.client().flush();
            pair.transfer();
            assertTrue(write.isSuccess());
            assertEquals(0, pair.clientHandler().pendingOutboundBytes());
        }
    }
}
