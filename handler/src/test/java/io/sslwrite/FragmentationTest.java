package io.sslwrite;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.sslwrite.testing.Records;
import io.sslwrite.testing.TlsPair;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DESIGN §5: the handler frames records itself, so however the transport cuts the bytes (one byte per
 * read, random pieces, many records in one read) both roles, in TLS 1.3 and TLS 1.2, complete the
 * handshake and deliver exactly the bytes that whole records deliver, then close with close_notify.
 */
class FragmentationTest {

    /** How the bytes one side wrote reach the other. */
    enum Delivery {
        /** Every byte in a read of its own (handshake and data). */
        ONE_BYTE,
        /** Reads of random sizes, seeded: 1 to 3000 bytes, so headers and records are cut anywhere. */
        RANDOM_SPLITS,
        /** Everything a side wrote since the last delivery, many records, in one read. */
        COALESCED
    }

    static Stream<Arguments> versionsAndDeliveries() {
        List<Arguments> args = new ArrayList<>();
        for (String version : new String[] {"TLSv1.3", "TLSv1.2"}) {
            for (Delivery delivery : Delivery.values()) {
                args.add(Arguments.of(version, delivery));
            }
        }
        return args.stream();
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("versionsAndDeliveries")
    void handshakeDataAndCloseArriveIntactInBothDirectionsHoweverTheBytesAreCut(String version, Delivery delivery) {
        // One byte per read costs a leak-tracked buffer per byte: a smaller payload there.
        int clientBytes = delivery == Delivery.ONE_BYTE ? 3_000 : 70_000;
        int serverBytes = delivery == Delivery.ONE_BYTE ? 2_000 : 50_000;
        try (TlsPair pair = TlsPair.builder().client(c -> c.protocols(version)).build()) {
            // Writes before the handshake: several flushes, so several records of different sizes.
            List<ChannelFuture> writes = new ArrayList<>();
            writes.add(pair.client().writeAndFlush(Unpooled.wrappedBuffer(TlsPair.pattern(0, 100))));
            writes.add(pair.client().writeAndFlush(Unpooled.wrappedBuffer(TlsPair.pattern(100, clientBytes - 100))));
            writes.add(pair.server().writeAndFlush(Unpooled.wrappedBuffer(TlsPair.pattern(0, serverBytes))));
            Random random = new Random(version.hashCode() * 31L + delivery.ordinal());
            converse(pair, delivery, random);
            assertTrue(pair.clientHandler().handshakeFuture().isSuccess(), String.valueOf(pair.clientHandler().handshakeFuture().cause()));
            assertTrue(pair.serverHandler().handshakeFuture().isSuccess(), String.valueOf(pair.serverHandler().handshakeFuture().cause()));
            assertEquals(version, pair.clientHandler().session().protocol());
            assertArrayEquals(TlsPair.pattern(clientBytes), pair.serverReceived());
            assertArrayEquals(TlsPair.pattern(serverBytes), pair.clientReceived());
            for (ChannelFuture write : writes) {
                assertTrue(write.isSuccess(), String.valueOf(write.cause()));
            }

            ChannelFuture close = pair.client().close();
            converse(pair, delivery, random);
            assertTrue(close.isSuccess());
            assertTrue(pair.serverHandler().sslCloseFuture().isSuccess(), String.valueOf(pair.serverHandler().sslCloseFuture().cause()));
            assertFalse(pair.client().isOpen(), "the closing side closes once its close_notify is written");
            assertTrue(pair.serverEvents().contains(SslCloseCompletionEvent.SUCCESS));
            assertFalse(pair.server().isOpen());
            assertTrue(pair.clientExceptions().isEmpty(), pair.clientExceptions().toString());
            assertTrue(pair.serverExceptions().isEmpty(), pair.serverExceptions().toString());
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void hundredsOfSmallRecordsInOneReadAllArriveInOrder(String version) {
        try (TlsPair pair = TlsPair.handshaken(c -> c.protocols(version), s -> { })) {
            int records = 300;
            for (int i = 0; i < records; i++) {
                pair.client().writeAndFlush(Unpooled.wrappedBuffer(TlsPair.pattern(i * 57L, 57)));
            }
            byte[] wire = pair.drainClient();
            assertEquals(records, Records.parse(wire).applicationData().size());
            pair.server().writeInbound(Unpooled.wrappedBuffer(wire));
            assertArrayEquals(TlsPair.pattern(records * 57), pair.serverReceived());
            assertEquals(records, pair.serverReads(), "one channelRead per record");
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void aRecordCutAtEachOffsetOfItsHeaderAndBodyIsStillFramed(String version) {
        try (TlsPair pair = TlsPair.handshaken(c -> c.protocols(version), s -> { })) {
            int cuts = 0;
            ByteArrayOutputStream expected = new ByteArrayOutputStream();
            // Every cut inside the 5-byte header, then at the first and last byte of the body.
            for (int cut : new int[] {1, 2, 3, 4, 5, 6}) {
                byte[] plaintext = TlsPair.pattern(cut * 1000L, 300);
                pair.client().writeAndFlush(Unpooled.wrappedBuffer(plaintext));
                expected.writeBytes(plaintext);
                byte[] record = pair.drainClient();
                pair.server().writeInbound(Unpooled.wrappedBuffer(record, 0, cut));
                assertEquals(expected.size() - plaintext.length, pair.serverReceived().length,
                        "nothing is delivered before the record is whole");
                pair.server().writeInbound(Unpooled.wrappedBuffer(record, cut, record.length - cut));
                cuts++;
            }
            byte[] last = TlsPair.pattern(99, 400);
            pair.client().writeAndFlush(Unpooled.wrappedBuffer(last));
            expected.writeBytes(last);
            byte[] record = pair.drainClient();
            pair.server().writeInbound(Unpooled.wrappedBuffer(record, 0, record.length - 1));
            pair.server().writeInbound(Unpooled.wrappedBuffer(record, record.length - 1, 1));
            assertEquals(6, cuts);
            assertArrayEquals(expected.toByteArray(), pair.serverReceived());
        }
    }

    /** Moves bytes both ways, cut as {@code delivery} says, until neither side has anything to send. */
    private static void converse(TlsPair pair, Delivery delivery, Random random) {
        for (int round = 0; round < 10_000; round++) {
            long moved = deliver(pair.client(), pair.server(), delivery, random)
                    + deliver(pair.server(), pair.client(), delivery, random);
            if (moved == 0) {
                return;
            }
        }
        throw new AssertionError("the peers were still exchanging bytes after 10000 rounds");
    }

    private static long deliver(EmbeddedChannel from, EmbeddedChannel to, Delivery delivery, Random random) {
        from.runPendingTasks();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object msg; (msg = from.readOutbound()) != null; ) {
            try {
                out.writeBytes(ByteBufUtil.getBytes((ByteBuf) msg));
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }
        byte[] bytes = out.toByteArray();
        for (int offset = 0; offset < bytes.length && to.isOpen(); ) {
            int n = switch (delivery) {
                case ONE_BYTE -> 1;
                case RANDOM_SPLITS -> 1 + random.nextInt(3000);
                case COALESCED -> bytes.length;
            };
            n = Math.min(n, bytes.length - offset);
            to.writeInbound(Unpooled.wrappedBuffer(bytes, offset, n));
            offset += n;
        }
        to.runPendingTasks();
        return bytes.length;
    }
}
