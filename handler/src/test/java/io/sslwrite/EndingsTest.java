package io.sslwrite;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.ChannelPipelineException;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import io.sslwrite.testing.Records;
import io.sslwrite.testing.StallingTransport;
import io.sslwrite.testing.TestPki;
import io.sslwrite.testing.TlsPair;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DESIGN §4.7: the physical end of a connection. Whatever the application does while a connection
 * ends (a listener that closes, a {@code close()} behind back-pressure, the handler's removal), the
 * last bytes leave, the channel closes, and every promise completes, once, with the truth.
 */
class EndingsTest {

    /**
     * {@code CLOSE_ON_FAILURE} on a write queued before the handshake runs when the handshake fails,
     * inside the ending: its {@code close()} must join the drain of the fatal alert, not close the
     * channel under it.
     */
    @Test
    void aCloseOnFailureListenerDoesNotLoseTheFatalAlert() {
        try (TlsPair pair = TlsPair.builder()
                .client(c -> c.trustManager(TestPki.wrongCaPem()).protocols("TLSv1.2")).build()) {
            ChannelFuture write = pair.client().writeAndFlush(pair.heapBuffer(100))
                    .addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
            pair.transfer();
            assertInstanceOf(javax.net.ssl.SSLHandshakeException.class, write.cause());
            Throwable atServer = pair.serverHandler().handshakeFuture().cause();
            assertNotNull(atServer, "the server never heard of the client's alert");
            assertEquals("peer sent fatal alert unknown_ca(48) during handshake", atServer.getMessage());
            assertEquals(1, pair.clientRecords().alerts().size(), pair.clientRecords().toString());
            assertFalse(pair.client().isOpen());
        }
    }

    /**
     * The peer's close_notify fails an unflushed write carrying {@code CLOSE_ON_FAILURE}; the
     * close_notify bctls queued in answer (RFC 5246 §7.2.1) still leaves before the channel closes.
     */
    @Test
    void aCloseOnFailureListenerDoesNotLoseTheAnsweringCloseNotify() {
        try (TlsPair pair = TlsPair.handshaken(c -> c.protocols("TLSv1.2"), s -> { })) {
            ChannelFuture queued = pair.client().write(pair.heapBuffer(1000))
                    .addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
            pair.server().close();
            pair.transfer();
            assertTrue(pair.clientHandler().sslCloseFuture().isSuccess());
            assertInstanceOf(javax.net.ssl.SSLException.class, queued.cause());
            assertEquals(1, pair.clientRecords().alerts().size(), "the answering close_notify: " + pair.clientRecords());
            assertFalse(pair.client().isOpen());
        }
    }

    /**
     * {@code close()} waits behind back-pressure; then the handler leaves the pipeline. It can no
     * longer send close_notify, but the close the application asked for still happens.
     */
    @Test
    void aCloseWaitingBehindBackPressureClosesTheChannelWhenTheHandlerIsRemoved() {
        StallingTransport transport = StallingTransport.holdingAllWrites();
        try (TlsPair pair = TlsPair.handshaken(transport)) {
            ChannelFuture write = pair.client().writeAndFlush(pair.heapBuffer(1 << 20));
            ChannelFuture close = pair.client().pipeline().close();
            assertFalse(close.isDone());
            pair.client().pipeline().remove(pair.clientHandler());
            assertTrue(write.isDone());
            assertTrue(close.isSuccess(), "close() promise: " + close);
            assertFalse(pair.client().isOpen());
        }
    }

    /**
     * §4.5 vs §4.7: the partial-write cut belongs to back-pressure, not to a close. {@code close()}
     * sends every queued byte before close_notify, and a write succeeds only whole.
     */
    @Test
    void closeSendsAWholePartialWriteBeforeCloseNotify() {
        StallingTransport transport = StallingTransport.holdingAllWrites();
        try (TlsPair pair = TlsPair.handshaken(transport, c -> c.option(SslWriteOption.PARTIAL_WRITE, true), s -> { })) {
            ByteBuf buf = pair.heapBuffer(1 << 20).retain();
            try {
                ChannelFuture write = pair.client().write(buf);
                ChannelFuture close = pair.client().pipeline().close();
                while (!close.isDone()) {
                    transport.releaseAll();
                    pair.client().runPendingTasks();
                }
                pair.transfer();
                assertTrue(write.isSuccess(), String.valueOf(write.cause()));
                assertEquals(1 << 20, buf.readerIndex());
                assertArrayEquals(TlsPair.pattern(1 << 20), pair.serverReceived());
                assertTrue(pair.serverHandler().sslCloseFuture().isSuccess());
            } finally {
                buf.release();
            }
        }
    }

    /** If the queued bytes cannot all leave before the close timer, the write fails; it never succeeds short. */
    @Test
    void aPartialWriteThatTheCloseTimerCutsShortFails() {
        StallingTransport transport = StallingTransport.holdingAllWrites();
        try (TlsPair pair = TlsPair.handshaken(transport, c -> c.option(SslWriteOption.PARTIAL_WRITE, true)
                .option(SslWriteOption.CLOSE_NOTIFY_FLUSH_TIMEOUT_MILLIS, 1000L), s -> { })) {
            pair.client().freezeTime();
            ChannelFuture write = pair.client().write(pair.heapBuffer(1 << 20));
            ChannelFuture close = pair.client().pipeline().close();
            assertFalse(write.isDone(), "a close does not cut a write short");
            pair.client().advanceTimeBy(1, TimeUnit.SECONDS);
            pair.client().runScheduledPendingTasks();
            assertInstanceOf(javax.net.ssl.SSLException.class, write.cause());
            assertTrue(close.isSuccess());
            assertFalse(pair.client().isOpen());
            assertTrue(Records.parse(pair.wire()).applicationData().size() < 64, "not everything left");
        }
    }

    /** 0 means no timeout, as for {@code HANDSHAKE_TIMEOUT_MILLIS} and Netty's SslHandler: close() waits as long as it takes. */
    @Test
    void aCloseNotifyFlushTimeoutOfZeroMeansNoTimeout() {
        StallingTransport transport = StallingTransport.holdingAllWrites();
        try (TlsPair pair = TlsPair.handshaken(transport,
                c -> c.option(SslWriteOption.CLOSE_NOTIFY_FLUSH_TIMEOUT_MILLIS, 0L), s -> { })) {
            pair.client().freezeTime();
            ChannelFuture write = pair.client().writeAndFlush(pair.heapBuffer(1 << 20));
            ChannelFuture close = pair.client().pipeline().close();
            pair.client().advanceTimeBy(1, TimeUnit.HOURS);
            pair.client().runScheduledPendingTasks();
            assertFalse(write.isDone(), "nothing gave up");
            assertTrue(pair.client().isOpen());
            while (!close.isDone()) {
                transport.releaseAll();
                pair.client().runPendingTasks();
            }
            pair.transfer();
            assertTrue(write.isSuccess());
            assertArrayEquals(TlsPair.pattern(1 << 20), pair.serverReceived());
            assertTrue(pair.serverHandler().sslCloseFuture().isSuccess());
        }
    }

    /**
     * After the peer's close_notify the connection has ended cleanly; a reset from the transport while
     * our answer drains is the end of that connection, not news: as with Netty's SslHandler, it does
     * not reach {@code exceptionCaught}, and the channel closes.
     */
    @Test
    void aConnectionResetAfterThePeersCloseNotifyDoesNotReachExceptionCaught() {
        StallingTransport transport = StallingTransport.holdingAllWrites();
        try (TlsPair pair = TlsPair.handshaken(transport)) {
            pair.server().close();
            pair.transferToClient();
            assertTrue(pair.clientHandler().sslCloseFuture().isSuccess());
            assertTrue(pair.client().isOpen(), "the answering close_notify is held by the transport");
            pair.client().pipeline().fireExceptionCaught(new IOException("Connection reset by peer"));
            assertEquals(List.of(), pair.clientExceptions());
            assertFalse(pair.client().isOpen());
        }
    }

    /**
     * The connection cannot be set up (bctls refuses, a server's {@code accept} throws): Netty removes
     * the handler and reports it once; the removal itself must not fail, and the futures complete.
     */
    @Test
    void aHandlerWhoseConnectionCannotBeSetUpIsRemovedCleanlyWithItsFuturesFailed() {
        SslWriteHandler handler = new SslWriteHandler(false, false, Map.of(), listener -> {
            throw new IllegalStateException("no certificate for this connection");
        }, ByteBufAllocator.DEFAULT, new ContextStats());
        EmbeddedChannel channel = new EmbeddedChannel();
        try {
            channel.pipeline().addLast(handler);
            ChannelPipelineException e = assertThrows(ChannelPipelineException.class, channel::checkException);
            assertTrue(e.getMessage().endsWith("handlerAdded() has thrown an exception; removed."), e.getMessage());
            assertNull(channel.pipeline().get(SslWriteHandler.class));
            assertEquals("the TLS connection could not be set up: no certificate for this connection",
                    handler.handshakeFuture().cause().getMessage());
            assertTrue(handler.sslCloseFuture().isDone());
        } finally {
            channel.finishAndReleaseAll();
        }
    }

    /**
     * A handler beneath fails a batch of records with something other than an I/O error: their
     * sequence numbers are spent and the peer can decrypt nothing after them. The connection ends at
     * once, naming internal_error, and the peer fails now, not at our next record.
     */
    @Test
    void aBatchFailedBeneathWithoutAnIoErrorEndsTheConnection() {
        try (TlsPair pair = TlsPair.handshaken()) {
            pair.client().pipeline().addFirst(new ChannelOutboundHandlerAdapter() {
                private boolean failed;

                @Override
                public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                    if (failed) {
                        ctx.write(msg, promise);
                        return;
                    }
                    failed = true;
                    ReferenceCountUtil.release(msg);
                    promise.setFailure(new IllegalStateException("an encoder beneath broke"));
                }
            });
            ChannelFuture lost = pair.client().writeAndFlush(pair.heapBuffer(100));
            pair.transfer();
            assertNotNull(lost.cause());
            assertEquals(1, pair.clientExceptions().size(), pair.clientExceptions().toString());
            assertTrue(pair.clientExceptions().get(0).getMessage().startsWith(
                    "sent fatal alert internal_error(80) after handshake: a handler beneath SslWriteHandler failed"),
                    pair.clientExceptions().get(0).getMessage());
            assertFalse(pair.client().isOpen());
            assertEquals(1, pair.serverExceptions().size(), "the server failed on the alert's record at once");
        }
    }
}
