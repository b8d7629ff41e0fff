package io.sslwrite;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.sslwrite.testing.TestPki;
import io.sslwrite.testing.TlsPair;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLException;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DESIGN §5 and §4.7 under hostile sizes: the handler holds at most one record plus the current read,
 * refuses lengths no record or handshake message may have as soon as it reads them, and ends floods
 * of empty records or warning alerts with a fatal alert rather than reading on.
 */
class LimitsTest {

    @Test
    void aRecordLongerThan16KiBIsHeldUndecodedUntilItsLastByteArrives() {
        try (TlsPair pair = TlsPair.handshaken()) {
            pair.client().writeAndFlush(pair.heapBuffer(16_384));
            byte[] record = pair.drainClient();
            assertEquals(5 + 16_384 + 17, record.length, "one full TLS 1.3 record");
            pair.server().writeInbound(Unpooled.wrappedBuffer(record, 0, 9000));
            pair.server().writeInbound(Unpooled.wrappedBuffer(record, 9000, record.length - 9001));
            assertEquals(0, pair.serverReceived().length, "nothing is decoded before the record is whole");
            assertTrue(pair.serverExceptions().isEmpty());
            pair.server().writeInbound(Unpooled.wrappedBuffer(record, record.length - 1, 1));
            assertArrayEquals(TlsPair.pattern(16_384), pair.serverReceived());
        }
    }

    @Test
    void aHeaderAnnouncingMoreThanAnyRecordMayHoldIsRejectedAsSoonAsItsFiveBytesArrive() {
        try (TlsPair pair = TlsPair.handshaken()) {
            pair.server().writeInbound(Unpooled.wrappedBuffer(new byte[] {23, 3, 3, (byte) 0xff, (byte) 0xff}));
            assertEquals(1, pair.serverExceptions().size(), pair.serverExceptions().toString());
            assertInstanceOf(SSLException.class, pair.serverExceptions().get(0));
            assertTrue(pair.serverExceptions().get(0).getMessage().contains("record_overflow"),
                    pair.serverExceptions().get(0).getMessage());
            assertFalse(pair.server().isOpen());
        }
    }

    @Test
    void aHandshakeMessageLongerThanTheLimitIsRefusedWithoutWaitingForItsBytes() throws Exception {
        Server server = new Server();
        // A ClientHello announcing 1 MiB: a record header, then the 4-byte handshake header alone.
        server.feed(new byte[] {22, 3, 1, 0, 4, 1, 0x10, 0, 0});
        assertEquals(1, server.exceptions.size(), server.exceptions.toString());
        assertInstanceOf(SSLException.class, server.exceptions.get(0));
        assertFalse(server.channel.isOpen());
        server.finish();
    }

    @Test
    void zeroLengthRecordsOfEveryTypeEndTheConnectionAtTheFirstOne() throws Exception {
        for (int type : new int[] {20, 21, 22, 23}) {
            Server server = new Server();
            ByteArrayOutputStream flood = new ByteArrayOutputStream();
            for (int i = 0; i < 10_000; i++) {
                flood.writeBytes(new byte[] {(byte) type, 3, 1, 0, 0});
            }
            server.feed(flood.toByteArray());
            assertEquals(1, server.exceptions.size(), "type " + type + ": " + server.exceptions);
            assertInstanceOf(SSLException.class, server.exceptions.get(0));
            assertFalse(server.channel.isOpen());
            server.finish();
        }
    }

    @Test
    void aFloodOfWarningAlertsEndsInAFatalAlert() throws Exception {
        byte[] clientHello;
        try (TlsPair pair = TlsPair.create()) {
            clientHello = pair.drainClient();
        }
        Server server = new Server();
        ByteArrayOutputStream flood = new ByteArrayOutputStream();
        for (int i = 0; i < 10_000; i++) {
            flood.writeBytes(new byte[] {21, 3, 1, 0, 2, 1, 112}); // warning unrecognized_name
        }
        server.feed(flood.toByteArray());
        if (server.channel.isOpen()) {
            server.feed(clientHello);
        }
        assertEquals(1, server.exceptions.size(), "10000 warning alerts were read without complaint: "
                + server.exceptions);
        assertFalse(server.channel.isOpen());
        server.finish();
    }

    /** A fresh server handler on an EmbeddedChannel, and the exceptions that reached its pipeline's end. */
    static final class Server {
        final EmbeddedChannel channel = new EmbeddedChannel();
        final List<Throwable> exceptions = new ArrayList<>();

        Server() throws SSLException {
            SslWriteContext context = SslWriteContext.forServer(TestPki.serverCertPem(), TestPki.serverKeyPem()).build();
            channel.pipeline().addLast(context.newHandler(channel.alloc()), new ChannelInboundHandlerAdapter() {
                @Override
                public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                    exceptions.add(cause);
                }
            });
        }

        void feed(byte[] bytes) {
            if (channel.isOpen()) {
                channel.writeInbound(Unpooled.wrappedBuffer(bytes));
            }
            channel.runPendingTasks();
        }

        void finish() {
            channel.finishAndReleaseAll();
        }
    }
}
