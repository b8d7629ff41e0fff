package io.sslwrite;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.sslwrite.testing.StallingTransport;
import io.sslwrite.testing.TlsPair;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** DESIGN §4.5: PARTIAL_WRITE, SSL_MODE_ENABLE_PARTIAL_WRITE under a transport that holds writes. */
class PartialWriteTest {

    private static final int PASS = 4 * 16384;

    @Test
    void aBackPressuredWriteSucceedsWithWholeRecordsAndItsReaderIndexSaysHowMuch() {
        StallingTransport transport = StallingTransport.holdingAllWrites();
        try (TlsPair pair = TlsPair.handshaken(transport, c -> c.option(SslWriteOption.PARTIAL_WRITE, true), s -> { })) {
            ByteBuf buf = pair.heapBuffer(200_000).retain();
            ChannelFuture write = pair.client().writeAndFlush(buf);
            assertTrue(write.isSuccess(), "four records are with the transport, committed (§4.5)");
            assertEquals(PASS, buf.readerIndex(), "four whole records were sent");
            assertEquals(0, pair.clientHandler().pendingOutboundBytes(), "the remainder is not queued");
            transport.releaseAll();
            pair.transfer();
            assertArrayEquals(TlsPair.pattern(PASS), pair.serverReceived());
            buf.release();
        }
    }

    @Test
    void writingTheRetainedRemainderAgainDeliversTheRestByteExact() {
        StallingTransport transport = StallingTransport.holdingAllWrites();
        try (TlsPair pair = TlsPair.handshaken(transport, c -> c.option(SslWriteOption.PARTIAL_WRITE, true), s -> { })) {
            ByteBuf buf = pair.heapBuffer(200_000);
            int writes = 0;
            while (buf.isReadable()) {
                int before = buf.readerIndex();
                ChannelFuture write = pair.client().writeAndFlush(buf.retain());
                while (!write.isDone()) {
                    transport.releaseAll();
                    pair.client().runPendingTasks();
                }
                assertTrue(write.isSuccess());
                int sent = buf.readerIndex() - before;
                assertTrue(sent == PASS || !buf.isReadable(), "sent " + sent);
                writes++;
            }
            buf.release();
            pair.transfer();
            assertEquals(4, writes, "200000 bytes: three cut at 65536, then the last 3392");
            assertArrayEquals(TlsPair.pattern(200_000), pair.serverReceived());
        }
    }

    @Test
    void aWriteOfWhichNothingCouldBeSentWaitsForItsFirstRecord() {
        StallingTransport transport = StallingTransport.holdingAllWrites();
        try (TlsPair pair = TlsPair.handshaken(transport, c -> c.option(SslWriteOption.PARTIAL_WRITE, true), s -> { })) {
            ChannelFuture first = pair.client().writeAndFlush(pair.heapBuffer(PASS));
            ByteBuf second = pair.heapBuffer(100_000).retain();
            ChannelFuture secondWrite = pair.client().writeAndFlush(second);
            assertFalse(secondWrite.isDone());
            assertEquals(0, second.readerIndex(), "nothing of it encrypted while the transport is full");
            assertEquals(100_000, pair.clientHandler().pendingOutboundBytes());
            transport.releaseAll();
            pair.client().runPendingTasks();
            assertTrue(first.isSuccess());
            assertTrue(secondWrite.isSuccess(), "its first records are with the transport, committed (§4.5)");
            assertEquals(PASS, second.readerIndex());
            second.release();
            transport.releaseAll();
            pair.transfer();
            byte[] expected = new byte[2 * PASS];
            System.arraycopy(TlsPair.pattern(PASS), 0, expected, 0, PASS);
            System.arraycopy(TlsPair.pattern(PASS), 0, expected, PASS, PASS);
            assertArrayEquals(expected, pair.serverReceived());
        }
    }

    @Test
    void writesThatFitCompleteWhole() {
        try (TlsPair pair = TlsPair.handshaken(c -> c.option(SslWriteOption.PARTIAL_WRITE, true), s -> { })) {
            ChannelFuture a = pair.client().write(pair.heapBuffer(1000));
            ChannelFuture b = pair.client().writeAndFlush(pair.heapBuffer(300_000));
            pair.transfer();
            assertTrue(a.isSuccess());
            assertTrue(b.isSuccess());
            assertEquals(301_000, pair.serverReceived().length);
            // Partial-write mode packs no two writes into one record, as SSL_write does not.
            assertEquals(1 + 19, pair.clientRecords().applicationData().size());
            assertTrue(Arrays.equals(TlsPair.pattern(1000), Arrays.copyOf(pair.serverReceived(), 1000)));
        }
    }

    @Test
    void aWriteToAReaderThatNeverReadsCompletesWithTheRecordsHandedDown() {
        StallingTransport transport = StallingTransport.holdingAllWrites();
        try (TlsPair pair = TlsPair.handshaken(transport, c -> c.option(SslWriteOption.PARTIAL_WRITE, true)
                .option(SslWriteOption.MAX_RECORD_SIZE, 5000), s -> { })) {
            ByteBuf buf = pair.heapBuffer(8 << 20).retain();
            ChannelFuture write = pair.client().writeAndFlush(buf);
            assertTrue(write.isSuccess(), "no byte written by the transport, and yet the write is complete");
            int committed = buf.readerIndex();
            assertTrue(committed > 0 && committed % 5000 == 0, "whole records were committed: " + committed);
            buf.release();
            ChannelFuture next = pair.client().writeAndFlush(pair.heapBuffer(300));
            transport.pass();
            transport.releaseAll();
            pair.transfer();
            assertTrue(next.isSuccess());
            byte[] expected = Arrays.copyOf(TlsPair.pattern(committed), committed + 300);
            System.arraycopy(TlsPair.pattern(300), 0, expected, committed, 300);
            assertArrayEquals(expected, pair.serverReceived(), "the committed prefix, then the next write");
        }
    }

    /**
     * PARTIAL_WRITE turned on (here by a listener, as another thread could) in the middle of an
     * encryption pass that packed a small write and the head of a large one into one record. The pass
     * keeps the value it started with, and the large write, whose records are not its own, is never
     * cut: a cut would leave its readerIndex off any record boundary (§4.5).
     */
    @Test
    void turningPartialWriteOnDuringAPassNeverCutsAWriteThatSharedARecord() {
        StallingTransport transport = StallingTransport.passingAllWrites();
        try (TlsPair pair = TlsPair.handshaken(transport)) {
            SslWriteHandler handler = pair.clientHandler();
            pair.client().write(pair.heapBuffer(100)).addListener(f -> {
                transport.hold();
                handler.setOption(SslWriteOption.PARTIAL_WRITE, true);
            });
            ByteBuf large = pair.heapBuffer(1 << 20).retain();
            ChannelFuture write = pair.client().writeAndFlush(large);
            assertFalse(write.isDone(), "not cut in the pass that packed it");
            while (!write.isDone()) {
                transport.releaseAll();
                pair.client().runPendingTasks();
            }
            assertTrue(write.isSuccess());
            assertEquals(1 << 20, large.readerIndex(), "sent whole");
            large.release();
        }
    }
}
