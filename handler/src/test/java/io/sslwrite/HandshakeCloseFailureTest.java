package io.sslwrite;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.sslwrite.testing.BuildMode;
import io.sslwrite.testing.NettyWarnings;
import io.sslwrite.testing.Records;
import io.sslwrite.testing.StallingTransport;
import io.sslwrite.testing.TestPki;
import io.sslwrite.testing.TlsPair;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** DESIGN §4.7: handshake, close and failure. */
class HandshakeCloseFailureTest {

    @Test
    void theHandshakeCompletesWithAnEventAndASession() {
        try (TlsPair pair = TlsPair.handshaken()) {
            assertTrue(pair.clientEvents().contains(SslHandshakeCompletionEvent.SUCCESS), pair.clientEvents().toString());
            assertTrue(pair.serverEvents().contains(SslHandshakeCompletionEvent.SUCCESS));
            SslWriteSession session = pair.clientHandler().session();
            assertEquals("TLSv1.3", session.protocol());
            assertEquals("TLS_AES_128_GCM_SHA256", session.cipherSuite());
            assertEquals(BuildMode.DEFAULT_GROUP, session.namedGroup());
            assertEquals(0, session.renegotiations());
            assertTrue(session.peerCertificates().length >= 1);
        }
    }

    @Test
    void tls12IsNegotiatedWhenTheClientOffersOnlyTls12() {
        try (TlsPair pair = TlsPair.handshaken(c -> c.protocols("TLSv1.2"), s -> { })) {
            assertEquals("TLSv1.2", pair.serverHandler().session().protocol());
            pair.client().writeAndFlush(pair.heapBuffer(40_000));
            pair.server().writeAndFlush(pair.directBuffer(pair.server().alloc(), 40_000));
            pair.transfer();
            assertArrayEquals(TlsPair.pattern(40_000), pair.serverReceived());
            assertArrayEquals(TlsPair.pattern(40_000), pair.clientReceived());
            // TLS 1.2 AES-GCM: 8-byte explicit nonce and 16-byte tag per record.
            assertEquals(16384 + Records.TLS12_AES_GCM_OVERHEAD, pair.clientRecords().applicationData().get(0).length());
        }
    }

    @Test
    void closeSendsQueuedDataThenCloseNotifyThenClosesTheChannel() {
        try (TlsPair pair = TlsPair.handshaken()) {
            ChannelFuture write = pair.client().write(pair.heapBuffer(200_000));
            ChannelFuture close = pair.client().close();
            pair.transfer();
            assertTrue(write.isSuccess());
            assertTrue(close.isSuccess());
            assertFalse(pair.client().isOpen());
            assertArrayEquals(TlsPair.pattern(200_000), pair.serverReceived());
            assertTrue(pair.serverHandler().sslCloseFuture().isSuccess());
            assertTrue(pair.serverEvents().contains(SslCloseCompletionEvent.SUCCESS));
            Records records = pair.clientRecords();
            assertEquals(Records.APPLICATION_DATA, records.get(records.size() - 1).type(),
                    "TLS 1.3 hides the close_notify alert in an application_data record");
            assertEquals(14, pair.clientRecords().applicationData().size(), "ceil(200000 / 16384) = 13 data records + close_notify");
        }
    }

    @Test
    void aWriteAfterCloseFailsWithAClearMessageAndIsReleasedWhileEarlierWritesStillGoOut() {
        StallingTransport transport = StallingTransport.holdingAllWrites();
        try (TlsPair pair = TlsPair.handshaken(transport)) {
            // 1 MiB: more than the transport takes at once, so close() has to wait for it to drain.
            ChannelFuture before = pair.client().writeAndFlush(pair.heapBuffer(1 << 20));
            ChannelFuture close = pair.client().close();
            var buf = pair.heapBuffer(10);
            ChannelFuture after = pair.client().writeAndFlush(buf);
            assertInstanceOf(SSLException.class, after.cause());
            assertEquals("write refused: close() was already called and the connection is closing",
                    after.cause().getMessage());
            assertEquals(0, buf.refCnt());
            while (!close.isDone()) {
                transport.releaseAll();
                pair.client().runPendingTasks();
            }
            assertTrue(before.isSuccess());
            pair.transfer();
            assertArrayEquals(TlsPair.pattern(1 << 20), pair.serverReceived());
        }
    }

    @Test
    void thePeersCloseNotifyFailsQueuedWritesAndCompletesSslCloseFuture() {
        try (TlsPair pair = TlsPair.handshaken()) {
            ChannelFuture queued = pair.client().write(pair.heapBuffer(1000)); // not flushed
            pair.server().close();
            pair.transfer();
            assertTrue(pair.clientHandler().sslCloseFuture().isSuccess());
            assertTrue(pair.clientEvents().contains(SslCloseCompletionEvent.SUCCESS));
            assertInstanceOf(SSLException.class, queued.cause());
            assertTrue(queued.cause().getMessage().contains("close_notify"), queued.cause().getMessage());
            assertTrue(pair.clientExceptions().isEmpty());
        }
    }

    @Test
    void anEofWithoutCloseNotifyIsReportedAsTruncationWithoutExceptionCaught() {
        try (TlsPair pair = TlsPair.handshaken()) {
            ChannelFuture queued = pair.client().write(pair.heapBuffer(1000));
            pair.client().pipeline().fireChannelInactive();
            Throwable truncation = pair.clientHandler().sslCloseFuture().cause();
            assertInstanceOf(SSLException.class, truncation);
            assertEquals("peer closed the connection without close_notify (possible truncation)",
                    truncation.getMessage());
            assertEquals(truncation, queued.cause());
            SslCloseCompletionEvent event = (SslCloseCompletionEvent) pair.clientEvents().stream()
                    .filter(e -> e instanceof SslCloseCompletionEvent).findFirst().orElseThrow();
            assertEquals(truncation, event.cause());
            assertTrue(pair.clientExceptions().isEmpty());
        }
    }

    @Test
    void aWrongCaFailsBothSidesWithTheAlertNamedAndOneExceptionCaughtEach() {
        try (TlsPair pair = TlsPair.builder().client(b -> b.trustManager(TestPki.wrongCaPem())).build()) {
            pair.transfer();
            Throwable client = pair.clientHandler().handshakeFuture().cause();
            Throwable server = pair.serverHandler().handshakeFuture().cause();
            assertInstanceOf(SSLHandshakeException.class, client);
            assertInstanceOf(SSLHandshakeException.class, server);
            assertTrue(client.getMessage().matches("sent fatal alert \\w+\\(\\d+\\) during handshake: .+"),
                    client.getMessage());
            assertTrue(server.getMessage().matches("peer sent fatal alert \\w+\\(\\d+\\) during handshake"),
                    server.getMessage());
            assertEquals(List.of(client), pair.clientExceptions());
            assertEquals(List.of(server), pair.serverExceptions());
            assertFalse(pair.client().isOpen());
            assertFalse(pair.server().isOpen());
        }
    }

    @Test
    void aHostNameMismatchFailsTheClientsHandshake() throws Exception {
        SslWriteContext clientContext = SslWriteContext.forClient().trustManager(TestPki.caPem()).build();
        SslWriteContext serverContext = SslWriteContext.forServer(TestPki.serverCertPem(), TestPki.serverKeyPem()).build();
        EmbeddedChannel client = new EmbeddedChannel(false, false);
        EmbeddedChannel server = new EmbeddedChannel(false, false);
        SslWriteHandler clientHandler = clientContext.newHandler(client.alloc(), "example.com", 443);
        List<Throwable> caught = new java.util.ArrayList<>();
        client.pipeline().addLast(clientHandler, new io.netty.channel.ChannelInboundHandlerAdapter() {
            @Override
            public void exceptionCaught(io.netty.channel.ChannelHandlerContext ctx, Throwable cause) {
                caught.add(cause);
            }
        });
        server.pipeline().addLast(serverContext.newHandler(server.alloc()), new io.netty.channel.ChannelInboundHandlerAdapter() {
            @Override
            public void exceptionCaught(io.netty.channel.ChannelHandlerContext ctx, Throwable cause) {
            }
        });
        server.register();
        client.register();
        try {
            for (int i = 0; i < 20 && !clientHandler.handshakeFuture().isDone(); i++) {
                move(client, server);
                move(server, client);
            }
            Throwable cause = clientHandler.handshakeFuture().cause();
            assertInstanceOf(SSLHandshakeException.class, cause);
            assertTrue(cause.getMessage().contains("host name example.com does not match"), cause.getMessage());
            assertEquals(List.of(cause), caught);
        } finally {
            client.finishAndReleaseAll();
            server.finishAndReleaseAll();
        }
    }

    @Test
    void garbageInsteadOfAClientHelloEndsInOneSslExceptionAndAClosedChannel() throws Exception {
        SslWriteContext serverContext = SslWriteContext.forServer(TestPki.serverCertPem(), TestPki.serverKeyPem()).build();
        EmbeddedChannel server = new EmbeddedChannel();
        SslWriteHandler handler = serverContext.newHandler(server.alloc());
        List<Throwable> caught = new java.util.ArrayList<>();
        server.pipeline().addLast(handler, new io.netty.channel.ChannelInboundHandlerAdapter() {
            @Override
            public void exceptionCaught(io.netty.channel.ChannelHandlerContext ctx, Throwable cause) {
                caught.add(cause);
            }
        });
        byte[] garbage = new byte[1024];
        new Random(42).nextBytes(garbage);
        server.writeInbound(Unpooled.wrappedBuffer(garbage));
        assertEquals(1, caught.size(), caught.toString());
        assertInstanceOf(SSLException.class, caught.get(0));
        assertFalse(server.isOpen());
        assertTrue(handler.handshakeFuture().cause() instanceof SSLHandshakeException);
        server.finishAndReleaseAll();
    }

    @Test
    void aHandshakeThatNeverCompletesTimesOut() throws Exception {
        SslWriteContext serverContext = SslWriteContext.forServer(TestPki.serverCertPem(), TestPki.serverKeyPem())
                .option(SslWriteOption.HANDSHAKE_TIMEOUT_MILLIS, 500L).build();
        EmbeddedChannel server = new EmbeddedChannel();
        server.freezeTime();
        SslWriteHandler handler = serverContext.newHandler(server.alloc());
        server.pipeline().addLast(handler);
        ChannelFuture queued = server.writeAndFlush(Unpooled.wrappedBuffer(new byte[10]));
        server.advanceTimeBy(499, TimeUnit.MILLISECONDS);
        server.runScheduledPendingTasks();
        assertFalse(handler.handshakeFuture().isDone());
        server.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        server.runScheduledPendingTasks();
        Throwable cause = handler.handshakeFuture().cause();
        assertInstanceOf(SslHandshakeTimeoutException.class, cause);
        assertEquals(cause, queued.cause());
        assertFalse(server.isOpen());
        assertNotNull(cause.getMessage());
        // exceptionCaught reached the tail once, as for any handshake failure.
        assertThrows(SslHandshakeTimeoutException.class, server::checkException);
        server.finishAndReleaseAll();
    }

    @Test
    void theCloseTimerAndTheCloseNotifyWriteCompleteTheClosePromiseOnceWithoutAnError() {
        StallingTransport transport = StallingTransport.holdingAllWrites();
        try (TlsPair pair = TlsPair.handshaken(transport, c -> c.option(SslWriteOption.CLOSE_NOTIFY_FLUSH_TIMEOUT_MILLIS, 1000L),
                s -> { });
             NettyWarnings warnings = NettyWarnings.collect()) {
            pair.client().freezeTime();
            pair.client().writeAndFlush(pair.heapBuffer(1 << 20));
            // Through the pipeline: EmbeddedChannel.close() itself would cancel the timers.
            ChannelFuture close = pair.client().pipeline().close();
            while (pair.clientHandler().pendingOutboundBytes() > 0) {
                transport.releaseAll();
                pair.client().runPendingTasks();
            }
            assertTrue(transport.heldWrites() > 0, "the last records and close_notify are still held");
            // The timer fires while close_notify waits: both would close the channel.
            pair.client().advanceTimeBy(1, TimeUnit.SECONDS);
            pair.client().runScheduledPendingTasks();
            assertTrue(close.isSuccess(), close + " open " + pair.client().isOpen() + " " + warnings.messages());
            assertFalse(pair.client().isOpen());
            assertEquals(List.of(), warnings.messages(), "no listener threw");
        }
    }

    @Test
    void anIoExceptionFromBelowClosesTheChannelAndIsPassedOn() {
        try (TlsPair pair = TlsPair.handshaken()) {
            ChannelFuture queued = pair.client().write(pair.heapBuffer(1000));
            java.io.IOException reset = new java.io.IOException("Connection reset by peer");
            pair.client().pipeline().fireExceptionCaught(reset);
            assertFalse(pair.client().isOpen(), "no half-dead channel that drops its input");
            assertEquals(List.of(reset), pair.clientExceptions());
            assertInstanceOf(SSLException.class, queued.cause());
            assertTrue(queued.cause().getMessage().contains("Connection reset by peer"), queued.cause().getMessage());
            assertTrue(pair.clientHandler().sslCloseFuture().isDone());
        }
    }

    @Test
    void closeDuringTheHandshakeFiresTheEventAndSendsItsAlertsBeforeClosing() {
        StallingTransport transport = StallingTransport.holdingAllWrites();
        try (TlsPair pair = TlsPair.builder().transport(transport).build()) {
            transport.releaseAll();
            pair.transferToServer();
            pair.clearWire();
            ChannelFuture close = pair.client().close();
            assertTrue(pair.client().isOpen(), "the alerts are still with the transport");
            Throwable cause = pair.clientHandler().handshakeFuture().cause();
            assertInstanceOf(SSLHandshakeException.class, cause);
            assertTrue(pair.clientEvents().stream().anyMatch(e -> e instanceof SslHandshakeCompletionEvent h
                    && h.cause() == cause), pair.clientEvents().toString());
            transport.releaseAll();
            pair.client().runPendingTasks();
            pair.transferToServer();
            assertTrue(close.isSuccess());
            assertFalse(pair.client().isOpen());
            assertEquals(2, pair.clientRecords().alerts().size(), "user_canceled and close_notify: " + pair.clientRecords());
        }
    }

    /**
     * {@code close()} during the handshake sends user_canceled and close_notify; the transport holds
     * them when the handler is removed. The handshake future, the close future and the application's
     * close promise all complete.
     */
    @Test
    void removingTheHandlerCompletesAllThreeFutures() {
        StallingTransport transport = StallingTransport.holdingAllWrites();
        try (TlsPair pair = TlsPair.builder().transport(transport).build()) {
            SslWriteHandler handler = pair.clientHandler();
            ChannelFuture close = pair.client().pipeline().close();
            assertFalse(close.isDone(), "the alerts are held by the transport");
            pair.client().pipeline().remove(handler);
            assertInstanceOf(SSLHandshakeException.class, handler.handshakeFuture().cause());
            assertInstanceOf(SSLException.class, handler.sslCloseFuture().cause());
            assertTrue(close.isSuccess(), "close() promise: " + close);
            assertFalse(pair.client().isOpen());
        }
    }

    private static void move(EmbeddedChannel from, EmbeddedChannel to) {
        for (Object msg; (msg = from.readOutbound()) != null; ) {
            if (to.isOpen()) {
                to.writeInbound(msg);
            } else {
                io.netty.util.ReferenceCountUtil.release(msg);
            }
        }
        to.runPendingTasks();
    }
}
