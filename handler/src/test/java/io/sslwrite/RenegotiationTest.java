package io.sslwrite;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.sslwrite.testing.Records;
import io.sslwrite.testing.RenegotiatingBcServer;
import io.sslwrite.testing.TestPki;
import io.sslwrite.testing.TlsPair;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DESIGN §4.6: a peer's TLS 1.2 renegotiation (WANT_READ), with an sslwrite client in an
 * {@link EmbeddedChannel} and a bctls server driven by the test that sends HelloRequest. Every step
 * of the new handshake is moved by hand, so the test sees exactly what the client put on the wire in
 * between: TLS 1.2 records carry their type in clear, so an application-data record shows even when
 * its content is encrypted.
 */
class RenegotiationTest {

    private EmbeddedChannel client;
    private SslWriteHandler handler;
    private final Collector collector = new Collector();
    private final ReadCounter reads = new ReadCounter();
    private final RenegotiatingBcServer server = new RenegotiatingBcServer();

    @AfterEach
    void closeClient() {
        if (client != null) {
            client.finishAndReleaseAll();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Events and session

    @Test
    void helloRequestLeadsToANewHandshakeReportedByStartedHandshakeCompletionAndCompletedInThatOrder() {
        handshake(true);
        SslWriteSession first = handler.session();
        assertEquals(RenegotiatingBcServer.FIRST_SUITE, first.cipherSuite());
        assertEquals(0, first.renegotiations());
        assertEquals(List.of(SslHandshakeCompletionEvent.SUCCESS), collector.events);

        deliverHelloRequest();
        assertEquals(List.of(SslHandshakeCompletionEvent.SUCCESS, SslRenegotiationEvent.STARTED), collector.events);
        finishRenegotiation();

        assertEquals(List.of(SslHandshakeCompletionEvent.SUCCESS, SslRenegotiationEvent.STARTED,
                SslHandshakeCompletionEvent.SUCCESS, SslRenegotiationEvent.COMPLETED), collector.events);
        assertEquals(2, server.handshakesCompleted());
        SslWriteSession renegotiated = handler.session();
        assertEquals(1, renegotiated.renegotiations());
        assertEquals(RenegotiatingBcServer.RENEGOTIATED_SUITE, renegotiated.cipherSuite(),
                "the session describes the new handshake, which chose another suite");
        assertEquals("TLSv1.2", renegotiated.protocol());
        assertArrayEquals(first.peerCertificates(), renegotiated.peerCertificates());
        assertEquals(List.of(), collector.exceptions);
    }

    @Test
    void threeRenegotiationsInOneConnectionAreCountedAndDataStillFlowsBothWays() {
        handshake(true);
        for (int i = 1; i <= 3; i++) {
            deliverHelloRequest();
            finishRenegotiation();
            assertEquals(i, handler.session().renegotiations());
            ChannelFuture write = client.writeAndFlush(Unpooled.wrappedBuffer(TlsPair.pattern(i * 1000L, 5000)));
            server.receive(drainClient());
            assertTrue(write.isSuccess());
            deliver(server.send(TlsPair.pattern(i * 7L, 3000)));
        }
        ByteArrayOutputStream expectedAtServer = new ByteArrayOutputStream();
        ByteArrayOutputStream expectedAtClient = new ByteArrayOutputStream();
        for (int i = 1; i <= 3; i++) {
            expectedAtServer.writeBytes(TlsPair.pattern(i * 1000L, 5000));
            expectedAtClient.writeBytes(TlsPair.pattern(i * 7L, 3000));
        }
        assertArrayEquals(expectedAtServer.toByteArray(), server.plaintext());
        assertArrayEquals(expectedAtClient.toByteArray(), collector.received.toByteArray());
        assertEquals(4, server.handshakesCompleted());
    }

    // ---------------------------------------------------------------------------------------------
    // The pause and AUTO_RETRY on

    @Test
    void withAutoRetryOnWritesMadeDuringARenegotiationWaitAndGoOutInOrderAfterIt() {
        handshake(true);
        ChannelFuture before = client.writeAndFlush(Unpooled.wrappedBuffer(TlsPair.pattern(0, 3000)));
        server.receive(drainClient());
        assertTrue(before.isSuccess());

        deliverHelloRequest();
        byte[] clientHelloWire = drainClient();
        Records clientHello = Records.parse(clientHelloWire);
        assertEquals(List.of(Records.HANDSHAKE), types(clientHello), "the client answers HelloRequest with a ClientHello");

        ChannelFuture during1 = client.writeAndFlush(Unpooled.wrappedBuffer(TlsPair.pattern(3000, 20000)));
        ChannelFuture during2 = client.writeAndFlush(client.alloc().directBuffer().writeBytes(TlsPair.pattern(23000, 100)));
        assertFalse(during1.isDone(), "a write made during the renegotiation waits");
        assertFalse(during2.isDone());
        assertEquals(20100, handler.pendingOutboundBytes());
        assertEquals(0, drainClient().length, "nothing is written while the renegotiation has not got further");

        // ClientHello -> ServerHello .. ServerHelloDone -> ClientKeyExchange, ChangeCipherSpec, Finished
        byte[] serverFlight = server.receive(clientHelloWire);
        deliver(serverFlight);
        byte[] clientFlightWire = drainClient();
        Records clientFlight = Records.parse(clientFlightWire);
        assertEquals(List.of(Records.HANDSHAKE, Records.CHANGE_CIPHER_SPEC, Records.HANDSHAKE), types(clientFlight),
                "no application record between the client's ServerHello and its Finished: " + clientFlight);
        assertFalse(during1.isDone());

        // ChangeCipherSpec, Finished -> the renegotiation is complete, the waiting writes leave
        deliver(server.receive(clientFlightWire));
        assertEquals(1, handler.session().renegotiations());
        byte[] afterWire = drainClient();
        Records after = Records.parse(afterWire);
        assertFalse(after.isEmpty());
        assertEquals(after.size(), after.applicationData().size(), "after the renegotiation only application data: " + after);
        assertEquals(2, after.size(), "20100 bytes in two records of at most 16384: " + after);
        assertTrue(during1.isSuccess());
        assertTrue(during2.isSuccess());
        assertEquals(0, handler.pendingOutboundBytes());

        server.receive(afterWire);
        assertArrayEquals(TlsPair.pattern(0, 23100), server.plaintext(), "all writes arrive once, in order");
    }

    /**
     * DESIGN §4.6, §4.7, and {@link ConnectionState}'s renegotiation phases: close() during a
     * renegotiation waits for it (CLOSE_AFTER_RENEGOTIATION), then the queue drains, close_notify
     * follows, and the channel closes.
     */
    @Test
    void closeDuringARenegotiationWaitsForItThenDrainsAndCloses() {
        handshake(true);
        assertEquals(ConnectionState.OPEN, handler.connectionState());
        deliverHelloRequest();
        assertEquals(ConnectionState.RENEGOTIATING, handler.connectionState());
        ChannelFuture queued = client.writeAndFlush(Unpooled.wrappedBuffer(TlsPair.pattern(0, 4000)));
        ChannelFuture close = client.pipeline().close();
        assertEquals(ConnectionState.CLOSE_AFTER_RENEGOTIATION, handler.connectionState());
        assertFalse(queued.isDone() || close.isDone());
        deliver(server.receive(drainClient()));
        finishRenegotiation();
        assertEquals(ConnectionState.CLOSED, handler.connectionState());
        assertTrue(queued.isSuccess());
        assertTrue(close.isSuccess());
        assertFalse(client.isOpen());
        assertArrayEquals(TlsPair.pattern(0, 4000), server.plaintext());
    }

    @Test
    void aWriteQueuedBeforeTheHelloRequestButFlushedDuringTheRenegotiationWaitsForItsEnd() {
        handshake(true);
        ChannelFuture queued = client.write(Unpooled.wrappedBuffer(TlsPair.pattern(0, 4000)));
        deliverHelloRequest();
        client.flush();
        assertFalse(queued.isDone());
        byte[] clientHello = drainClient();
        assertEquals(List.of(Records.HANDSHAKE), types(Records.parse(clientHello)), "only the ClientHello");

        deliver(server.receive(clientHello));
        finishRenegotiation();
        assertTrue(queued.isSuccess());
        assertArrayEquals(TlsPair.pattern(0, 4000), server.plaintext());
    }

    // ---------------------------------------------------------------------------------------------
    // AUTO_RETRY off

    @Test
    void withAutoRetryOffAWriteDuringARenegotiationFailsAtOnceWithWantReadAndSendsNothing() {
        handshake(true);
        assertTrue(handler.setOption(SslWriteOption.AUTO_RETRY, false));
        ChannelFuture sent = client.writeAndFlush(Unpooled.wrappedBuffer(TlsPair.pattern(0, 1000)));
        server.receive(drainClient());
        assertTrue(sent.isSuccess());
        ChannelFuture queued = client.write(Unpooled.wrappedBuffer(TlsPair.pattern(1000, 2000)));

        deliverHelloRequest();
        assertEquals(SslRenegotiationEvent.STARTED, collector.events.get(collector.events.size() - 1));
        ByteBuf refused = client.alloc().directBuffer().writeBytes(new byte[] {'n', 'o', 'p', 'e'});
        ChannelFuture during = client.writeAndFlush(refused);

        assertTrue(during.isDone(), "the write fails at once, like SSL_write returning SSL_ERROR_WANT_READ");
        SslWantReadException cause = assertInstanceOf(SslWantReadException.class, during.cause());
        assertTrue(cause.getMessage().contains("renegotiation in progress and AUTO_RETRY is off"), cause.getMessage());
        assertEquals(0, refused.refCnt(), "the refused buffer is released");
        assertFalse(queued.isDone(), "a write made before the renegotiation is not refused; it waits");
        assertEquals(2000, handler.pendingOutboundBytes());
        assertEquals(List.of(), collector.exceptions, "a refused write is the write's failure, not the channel's");

        finishRenegotiation();
        assertTrue(queued.isSuccess());
        ChannelFuture afterwards = client.writeAndFlush(Unpooled.wrappedBuffer(TlsPair.pattern(3000, 500)));
        server.receive(drainClient());
        assertTrue(afterwards.isSuccess(), "after COMPLETED writes are accepted again");
        assertArrayEquals(TlsPair.pattern(0, 3500), server.plaintext(), "none of the refused bytes reached the server");
    }

    // ---------------------------------------------------------------------------------------------
    // Reading with autoRead off

    @Test
    void withAutoReadOffTheHandlerReadsOnThroughARenegotiationNobodyAskedToReadThenStops() {
        handshake(false);
        client.read();  // the application asks for data once, and gets it
        deliver(server.send(TlsPair.pattern(0, 100)));
        assertArrayEquals(TlsPair.pattern(0, 100), collector.received.toByteArray());

        // The HelloRequest comes in a read of its own: the application asked for nothing more.
        int before = reads.count;
        deliverHelloRequest();
        assertEquals(SslRenegotiationEvent.STARTED, collector.events.get(collector.events.size() - 1));
        assertReadsOnUntilTheRenegotiationCompletesThenStops(before);
    }

    // ---------------------------------------------------------------------------------------------
    // Policy on the client

    @Test
    void clientWithIgnoreDropsTheHelloRequestAndKeepsWriting() {
        handshake(true, Renegotiation.IGNORE);
        deliverHelloRequest();
        assertEquals(0, drainClient().length, "no ClientHello, no alert");
        ChannelFuture write = client.writeAndFlush(Unpooled.wrappedBuffer(TlsPair.pattern(0, 100)));
        server.receive(drainClient());
        assertTrue(write.isSuccess());
        assertArrayEquals(TlsPair.pattern(0, 100), server.plaintext());
        assertEquals(List.of(SslHandshakeCompletionEvent.SUCCESS), collector.events);
        assertEquals(0, handler.session().renegotiations());
    }

    @Test
    void clientWithDenyAnswersTheHelloRequestWithAWarningAlertAndKeepsWriting() {
        handshake(true, Renegotiation.DENY);
        deliverHelloRequest();
        byte[] answerWire = drainClient();
        Records answer = Records.parse(answerWire);
        assertEquals(List.of(Records.ALERT), types(answer), "one alert record: " + answer);
        server.receive(answerWire);
        assertEquals(1, server.renegotiationsRefused(), "the alert is the no_renegotiation warning");
        ChannelFuture write = client.writeAndFlush(Unpooled.wrappedBuffer(TlsPair.pattern(0, 100)));
        server.receive(drainClient());
        assertTrue(write.isSuccess());
        assertArrayEquals(TlsPair.pattern(0, 100), server.plaintext());
        assertEquals(List.of(SslHandshakeCompletionEvent.SUCCESS), collector.events);
        assertEquals(List.of(), collector.exceptions);
    }

    // ---------------------------------------------------------------------------------------------
    // Driving

    // ---------------------------------------------------------------------------------------------
    // Empty records (DESIGN §4.7: nothing a peer sends can hang the handler), with the same driven peer

    @Test
    void aFewEmptyRecordsBetweenDataAreAccepted() {
        handshake(true);
        deliver(server.sendEmptyRecords(ReadPath.MAX_EMPTY_RECORDS_IN_A_ROW));
        deliver(server.send(TlsPair.pattern(0, 100)));
        deliver(server.sendEmptyRecords(ReadPath.MAX_EMPTY_RECORDS_IN_A_ROW));
        assertTrue(client.isOpen());
        assertArrayEquals(TlsPair.pattern(0, 100), collector.received.toByteArray());
        assertEquals(List.of(), collector.exceptions);
    }

    @Test
    void aFloodOfEmptyRecordsAfterTheHandshakeEndsInOneFatalAlert() {
        handshake(true);
        deliver(server.sendEmptyRecords(10_000));
        assertFalse(client.isOpen());
        assertEquals(1, collector.exceptions.size(), collector.exceptions.toString());
        assertEquals("sent fatal alert unexpected_message(10) after handshake: peer sent 33 empty records in a row"
                + " (more than 32 end the connection)", collector.exceptions.get(0).getMessage());
    }

    /**
     * With autoRead off, from the STARTED event on: the handler asks for input (more than
     * {@code readsBefore}) after each flight until COMPLETED, and no more after it.
     */
    private void assertReadsOnUntilTheRenegotiationCompletesThenStops(int readsBefore) {
        assertTrue(reads.count > readsBefore, "the handler asks for more input while the renegotiation runs");

        int beforeServerFlight = reads.count;
        deliver(server.receive(drainClient()));
        assertTrue(reads.count > beforeServerFlight, "and again after the server's first flight");

        deliver(server.receive(drainClient()));
        assertEquals(SslRenegotiationEvent.COMPLETED, collector.events.get(collector.events.size() - 1));
        int afterCompletion = reads.count;
        client.runPendingTasks();
        assertEquals(afterCompletion, reads.count,
                "once the renegotiation is complete, reading is the application's business again");
    }

    private void handshake(boolean autoRead) {
        handshake(autoRead, null);
    }

    /** A TLS 1.2 client connected to {@link #server}, handshake done, nothing left on either side. */
    private void handshake(boolean autoRead, Renegotiation policy) {
        SslWriteContext.Builder builder = SslWriteContext.forClient().trustManager(TestPki.caPem()).protocols("TLSv1.2");
        if (policy != null) {
            builder.option(SslWriteOption.RENEGOTIATION, policy);
        }
        SslWriteContext context;
        try {
            context = builder.build();
        } catch (javax.net.ssl.SSLException e) {
            throw new IllegalStateException(e);
        }
        client = new EmbeddedChannel(false, false);
        client.config().setAutoRead(autoRead);
        handler = context.newHandler(client.alloc(), TlsPair.HOST, 443);
        client.pipeline().addLast(reads, handler, collector);
        try {
            client.register();
        } catch (Exception e) {
            throw new IllegalStateException("cannot register the embedded channel", e);
        }
        for (int round = 0; round < 10 && !handler.handshakeFuture().isDone(); round++) {
            byte[] out = drainClient();
            deliver(server.receive(out));
        }
        assertTrue(handler.handshakeFuture().isSuccess(), "handshake: " + handler.handshakeFuture().cause());
        assertEquals(0, drainClient().length);
    }

    private void deliverHelloRequest() {
        server.requestRenegotiation();
        deliver(server.takeOutput());
    }

    /** Moves the rest of the new handshake between the two until both have completed it. */
    private void finishRenegotiation() {
        int handshakes = server.handshakesCompleted();
        for (int round = 0; round < 10 && server.handshakesCompleted() == handshakes; round++) {
            deliver(server.receive(drainClient()));
        }
        assertEquals(handshakes + 1, server.handshakesCompleted(), "the server completed the new handshake");
        assertEquals(SslRenegotiationEvent.COMPLETED, collector.events.get(collector.events.size() - 1));
        server.receive(drainClient());
    }

    private void deliver(byte[] bytes) {
        if (bytes.length > 0) {
            client.writeInbound(Unpooled.wrappedBuffer(bytes));
        }
        client.runPendingTasks();
    }

    private byte[] drainClient() {
        client.runPendingTasks();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object msg; (msg = client.readOutbound()) != null; ) {
            try {
                out.writeBytes(ByteBufUtil.getBytes((ByteBuf) msg));
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }
        return out.toByteArray();
    }

    private static List<Integer> types(Records records) {
        List<Integer> types = new ArrayList<>();
        for (Records.Record record : records) {
            types.add(record.type());
        }
        return types;
    }

    /** Counts read() requests that pass from the handler (or the application) toward the transport. */
    private static final class ReadCounter extends ChannelOutboundHandlerAdapter {
        int count;

        @Override
        public void read(ChannelHandlerContext ctx) throws Exception {
            count++;
            super.read(ctx);
        }
    }

    /** Plaintext, user events and exceptions that reach the end of the client's pipeline. */
    private static final class Collector extends ChannelInboundHandlerAdapter {
        final ByteArrayOutputStream received = new ByteArrayOutputStream();
        final List<Object> events = new ArrayList<>();
        final List<Throwable> exceptions = new ArrayList<>();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                received.writeBytes(ByteBufUtil.getBytes((ByteBuf) msg));
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            events.add(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            exceptions.add(cause);
        }
    }

    @Test
    void withAutoReadOffTheHandlerReadsOnUntilTheRenegotiationCompletesThenStops() {
        handshake(false);
        client.read();  // the application asks for data once
        int before = reads.count;

        // Application data and the HelloRequest arrive in one read: the data satisfies the
        // application's request, but the renegotiation it started must still be read to its end.
        ByteArrayOutputStream batch = new ByteArrayOutputStream();
        batch.writeBytes(server.send(TlsPair.pattern(0, 100)));
        server.requestRenegotiation();
        batch.writeBytes(server.takeOutput());
        deliver(batch.toByteArray());
        assertArrayEquals(TlsPair.pattern(0, 100), collector.received.toByteArray());
        assertEquals(SslRenegotiationEvent.STARTED, collector.events.get(collector.events.size() - 1));
        assertReadsOnUntilTheRenegotiationCompletesThenStops(before);
    }
}
