package io.sslwrite;

import io.sslwrite.testing.Records;
import io.sslwrite.testing.TlsPair;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** DESIGN §4.8: dynamic record sizing, asserted on the record sizes on the wire. */
class DynamicRecordSizingTest {

    /** One 1460-byte TCP segment less TLS 1.3 AES-GCM's 5 + 1 + 16 bytes of record overhead. */
    private static final int SMALL = 1438;
    private static final int FULL = 16384;
    private static final int OVERHEAD = Records.TLS13_AEAD_OVERHEAD;

    @Test
    void theFirstBytesOfABurstGoInRecordsThatFitOneSegmentThenRecordsAreFull() {
        try (TlsPair pair = TlsPair.handshaken(c -> c.option(SslWriteOption.DYNAMIC_RECORD_SIZING, true), s -> { })) {
            pair.client().writeAndFlush(pair.heapBuffer(300_000));
            pair.transfer();
            List<Integer> lengths = pair.clientRecords().applicationData().lengths();
            // 131072 / 1438 = 91.1: 92 small records take the burst past the threshold (132296 bytes).
            for (int i = 0; i < 92; i++) {
                assertEquals(SMALL + OVERHEAD, lengths.get(i), "record " + i);
                assertEquals(1460, lengths.get(i) + Records.HEADER_LENGTH, "one TCP segment");
            }
            int rest = 300_000 - 92 * SMALL;
            for (int i = 92; i < lengths.size() - 1; i++) {
                assertEquals(FULL + OVERHEAD, lengths.get(i), "record " + i);
            }
            assertEquals(92 + (rest + FULL - 1) / FULL, lengths.size());
            assertArrayEquals(TlsPair.pattern(300_000), pair.serverReceived());
        }
    }

    @Test
    void theFirstRecordOfABurstIsFlushedAloneSoThePeerCanDecryptItAtOnce() {
        try (TlsPair pair = TlsPair.handshaken(c -> c.option(SslWriteOption.DYNAMIC_RECORD_SIZING, true), s -> { })) {
            java.util.List<Integer> bytesAtFlush = new java.util.ArrayList<>();
            int[] written = new int[1];
            pair.client().pipeline().addFirst(new io.netty.channel.ChannelOutboundHandlerAdapter() {
                @Override
                public void write(io.netty.channel.ChannelHandlerContext ctx, Object msg,
                                  io.netty.channel.ChannelPromise promise) {
                    written[0] += ((io.netty.buffer.ByteBuf) msg).readableBytes();
                    ctx.write(msg, promise);
                }

                @Override
                public void flush(io.netty.channel.ChannelHandlerContext ctx) {
                    bytesAtFlush.add(written[0]);
                    ctx.flush();
                }
            });
            pair.client().writeAndFlush(pair.heapBuffer(300_000));
            assertEquals(1460, bytesAtFlush.get(0), "one TCP segment, flushed before anything else is encrypted");
            io.netty.buffer.ByteBuf first = pair.client().readOutbound();
            assertEquals(1460, first.readableBytes());
            pair.server().writeInbound(first);
            assertArrayEquals(TlsPair.pattern(SMALL), pair.serverReceived(), "decryptable as soon as it arrives");
            pair.transfer();
            assertArrayEquals(TlsPair.pattern(300_000), pair.serverReceived());
        }
    }

    @Test
    void anIdleGapMakesTheNextBurstStartSmallAgain() {
        try (TlsPair pair = TlsPair.handshaken(c -> c
                .option(SslWriteOption.DYNAMIC_RECORD_SIZING, true)
                .option(SslWriteOption.DYNAMIC_RECORD_THRESHOLD, 10_000)
                .option(SslWriteOption.DYNAMIC_RECORD_IDLE_MILLIS, 1000L), s -> { })) {
            pair.client().freezeTime();
            pair.client().writeAndFlush(pair.heapBuffer(50_000));
            pair.transfer();
            assertEquals(SMALL + OVERHEAD, first(pair));

            pair.clearWire();
            pair.client().advanceTimeBy(999, TimeUnit.MILLISECONDS);
            pair.client().writeAndFlush(pair.heapBuffer(50_000));
            pair.transfer();
            assertEquals(FULL + OVERHEAD, first(pair), "999 ms is not idle: the burst goes on");

            pair.clearWire();
            pair.client().advanceTimeBy(1000, TimeUnit.MILLISECONDS);
            pair.client().writeAndFlush(pair.heapBuffer(50_000));
            pair.transfer();
            assertEquals(SMALL + OVERHEAD, first(pair), "after 1000 ms idle the burst starts small");
            assertEquals(150_000, pair.serverReceived().length);
        }
    }

    @Test
    void withTheOptionOffEveryRecordIsFull() {
        try (TlsPair pair = TlsPair.handshaken()) {
            pair.client().writeAndFlush(pair.heapBuffer(100_000));
            pair.transfer();
            List<Integer> lengths = pair.clientRecords().applicationData().lengths();
            assertEquals(7, lengths.size());
            assertTrue(lengths.subList(0, 6).stream().allMatch(l -> l == FULL + OVERHEAD), lengths.toString());
        }
    }

    @Test
    void tls12RecordsFitTheSegmentWithTheirOwnOverhead() {
        try (TlsPair pair = TlsPair.handshaken(c -> c.protocols("TLSv1.2").option(SslWriteOption.DYNAMIC_RECORD_SIZING, true),
                s -> { })) {
            pair.client().writeAndFlush(pair.heapBuffer(10_000));
            pair.transfer();
            // TLS 1.2 AES-GCM: 5-byte header, 8-byte explicit nonce, 16-byte tag.
            int small = 1460 - 5 - 8 - 16;
            assertEquals(small + Records.TLS12_AES_GCM_OVERHEAD, first(pair));
            assertArrayEquals(TlsPair.pattern(10_000), pair.serverReceived());
        }
    }

    private static int first(TlsPair pair) {
        return pair.clientRecords().applicationData().get(0).length();
    }
}
