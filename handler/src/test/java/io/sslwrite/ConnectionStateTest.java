package io.sslwrite;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.sslwrite.testing.StallingTransport;
import io.sslwrite.testing.TlsPair;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.sslwrite.ConnectionState.CLOSED;
import static io.sslwrite.ConnectionState.CLOSING;
import static io.sslwrite.ConnectionState.DRAINING;
import static io.sslwrite.ConnectionState.HANDSHAKING;
import static io.sslwrite.ConnectionState.NEW;
import static io.sslwrite.ConnectionState.OPEN;
import static io.sslwrite.ConnectionState.PLAINTEXT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DESIGN §4.7: the phases of {@link ConnectionState}, reached by driving a handler through the events
 * that move it, and what each event arriving in DRAINING does. The renegotiation phases are driven in
 * {@code RenegotiationTest.closeDuringARenegotiationWaitsForItThenDrainsAndCloses}.
 */
class ConnectionStateTest {

    /**
     * STARTTLS from its first flush to the channel's close: PLAINTEXT, NEW, HANDSHAKING, OPEN,
     * CLOSING (close() behind back-pressure), DRAINING (close_notify held by the transport), CLOSED.
     */
    @Test
    void aStartTlsConnectionPassesThroughEveryPhaseFromPlaintextToClosed() {
        StallingTransport transport = StallingTransport.passingAllWrites();
        try (TlsPair pair = TlsPair.builder().transport(transport).client(c -> c.startTls(true)).build()) {
            SslWriteHandler handler = pair.clientHandler();
            List<ConnectionState> seen = new ArrayList<>();
            Runnable note = () -> {
                if (seen.isEmpty() || seen.get(seen.size() - 1) != handler.connectionState()) {
                    seen.add(handler.connectionState());
                }
            };
            note.run();
            pair.client().pipeline().addFirst(new io.netty.channel.ChannelOutboundHandlerAdapter() {
                @Override
                public void flush(io.netty.channel.ChannelHandlerContext ctx) {
                    note.run(); // beneath the handler: the first flush passes in NEW, the ClientHello's in HANDSHAKING
                    ctx.flush();
                }
            });
            pair.client().flush();
            pair.handshake();
            note.run();
            transport.hold();
            ChannelFuture write = pair.client().writeAndFlush(pair.heapBuffer(1 << 20));
            ChannelFuture close = pair.client().pipeline().close();
            note.run();
            while (handler.pendingOutboundBytes() > 0) {
                transport.releaseAll();
                pair.client().runPendingTasks();
            }
            note.run();
            assertFalse(close.isDone(), "close_notify is still held");
            transport.releaseAll();
            pair.client().runPendingTasks();
            note.run();
            assertEquals(List.of(PLAINTEXT, NEW, HANDSHAKING, OPEN, CLOSING, DRAINING, CLOSED), seen);
            assertTrue(write.isSuccess());
            assertTrue(close.isSuccess());
        }
    }

    /** A STARTTLS server leaves PLAINTEXT at the peer's first TLS byte. */
    @Test
    void aStartTlsServerLeavesPlaintextAtItsFirstInput() {
        try (TlsPair pair = TlsPair.builder().server(s -> s.startTls(true)).build()) {
            assertEquals(PLAINTEXT, pair.serverHandler().connectionState());
            pair.transferToServer(); // the ClientHello
            assertEquals(HANDSHAKING, pair.serverHandler().connectionState());
        }
    }

    /**
     * In DRAINING each arrival does one thing: close() joins (its promise waits for the channel), a
     * write is refused, a second ending does nothing, and the close timer closes the channel.
     */
    @Test
    void inDrainingCloseJoinsAWriteIsRefusedAnotherEndingIsIgnoredAndTheTimerCloses() {
        StallingTransport transport = StallingTransport.holdingAllWrites();
        try (TlsPair pair = TlsPair.handshaken(transport,
                c -> c.option(SslWriteOption.CLOSE_NOTIFY_FLUSH_TIMEOUT_MILLIS, 1000L), s -> { })) {
            SslWriteHandler handler = pair.clientHandler();
            pair.client().freezeTime();
            ChannelFuture first = pair.client().pipeline().close();
            assertEquals(DRAINING, handler.connectionState(), "close_notify is held by the transport");
            ChannelFuture second = pair.client().pipeline().close();
            ChannelFuture write = pair.client().writeAndFlush(pair.heapBuffer(10));
            assertInstanceOf(SSLException.class, write.cause());
            // The peer's EOF would end an open connection; in DRAINING it ends nothing.
            pair.client().pipeline().fireUserEventTriggered(io.netty.channel.socket.ChannelInputShutdownEvent.INSTANCE);
            assertEquals(DRAINING, handler.connectionState());
            assertTrue(handler.sslCloseFuture().cause().getMessage().contains("close()"),
                    handler.sslCloseFuture().cause().getMessage());
            assertFalse(first.isDone() || second.isDone());
            pair.client().advanceTimeBy(1, TimeUnit.SECONDS);
            pair.client().runScheduledPendingTasks();
            assertEquals(CLOSED, handler.connectionState());
            assertTrue(first.isSuccess() && second.isSuccess());
            assertFalse(pair.client().isOpen());
        }
    }

    /** A fatal alert from OPEN: DRAINING while the alert is held, CLOSED once it is written. */
    @Test
    void aFatalAlertDrainsThenCloses() {
        StallingTransport transport = StallingTransport.holdingAllWrites();
        try (TlsPair pair = TlsPair.handshaken(transport)) {
            SslWriteHandler handler = pair.clientHandler();
            byte[] garbage = {23, 3, 3, 0, 20, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20};
            pair.client().writeInbound(Unpooled.wrappedBuffer(garbage));
            assertEquals(DRAINING, handler.connectionState());
            assertEquals(1, pair.clientExceptions().size());
            transport.releaseAll();
            pair.client().runPendingTasks();
            assertEquals(CLOSED, handler.connectionState());
            assertFalse(pair.client().isOpen());
        }
    }

    @Test
    void aTransitionTheDiagramDoesNotHaveIsRefusedWithBothPhasesNamed() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> CLOSED.moveTo(OPEN));
        assertEquals("connection state CLOSED -> OPEN", e.getMessage());
    }
}
