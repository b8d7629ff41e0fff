package io.sslwrite;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.sslwrite.testing.TlsPair;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** DESIGN §4.4: MAX_PENDING_BYTES bounds queued plaintext. */
class BoundedMemoryTest {

    @Test
    void aWritePastMaxPendingBytesFailsAtOnceAndNothingOfItIsSent() {
        try (TlsPair pair = TlsPair.handshaken()) {
            pair.clientHandler().setOption(SslWriteOption.MAX_PENDING_BYTES, 100_000);
            byte[] first = TlsPair.pattern(0, 60_000);
            byte[] refused = new byte[50_000]; // zeros: would show in the received stream if sent
            byte[] last = TlsPair.pattern(60_000, 40_000);
            ChannelFuture a = pair.client().write(Unpooled.wrappedBuffer(first));
            ByteBuf refusedBuf = Unpooled.wrappedBuffer(refused);
            ChannelFuture b = pair.client().write(refusedBuf);
            ChannelFuture c = pair.client().write(Unpooled.wrappedBuffer(last));
            assertTrue(b.isDone(), "refused at once");
            assertInstanceOf(SslWantWriteException.class, b.cause());
            assertEquals("write of 50000 bytes refused: 60000 bytes already queued, MAX_PENDING_BYTES is 100000",
                    b.cause().getMessage());
            assertEquals(0, refusedBuf.refCnt());
            assertEquals(100_000, pair.clientHandler().pendingOutboundBytes());
            pair.client().flush();
            pair.transfer();
            assertTrue(a.isSuccess());
            assertTrue(c.isSuccess());
            ByteArrayOutputStream expected = new ByteArrayOutputStream();
            expected.writeBytes(first);
            expected.writeBytes(last);
            assertArrayEquals(expected.toByteArray(), pair.serverReceived());
        }
    }

    @Test
    void aWriteThatFitsExactlyIsAccepted() {
        try (TlsPair pair = TlsPair.handshaken()) {
            pair.clientHandler().setOption(SslWriteOption.MAX_PENDING_BYTES, 1000);
            ChannelFuture write = pair.client().writeAndFlush(pair.heapBuffer(1000));
            pair.transfer();
            assertTrue(write.isSuccess());
        }
    }
}
