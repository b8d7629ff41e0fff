package io.sslwrite.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.sslwrite.SslWriteContext;
import io.sslwrite.SslWriteHandler;

import javax.net.ssl.SSLException;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;

/**
 * A client and a server {@link SslWriteHandler}, each in an {@link EmbeddedChannel}, connected by
 * {@link #transfer()}: the unit under test for contract tests that look at the wire (DESIGN §7).
 *
 * <pre>{@code
 * try (TlsPair pair = TlsPair.handshaken(StallingTransport.holdingAllWrites())) {
 *     ChannelFuture write = pair.client().writeAndFlush(pair.heapBuffer(1 << 20));
 *     pair.transport().releaseAll();
 *     pair.transfer();
 *     assertEquals(64, Records.parse(pair.wire()).applicationData().size());
 *     assertArrayEquals(TlsPair.pattern(1 << 20), pair.serverReceived());
 * }
 * }</pre>
 *
 * <p>The client trusts {@link TestPki#caPem()} and verifies the name {@code localhost}; the server
 * presents {@link TestPki#serverCertPem()}. Customisers change either context builder before it is
 * built. An optional {@link StallingTransport} sits under the client's handler. Behind each handler an
 * inbound collector keeps the plaintext received, the user events and the exceptions that reached it
 * (so none ends in {@code EmbeddedChannel}'s tail).
 *
 * <p>{@link #wire()} and {@link #serverWire()} are copies of the bytes each side put on its transport;
 * the handshaken factories clear them once the handshake is done, so that after them the wire holds
 * only what the test caused. Nothing leaves an {@code EmbeddedChannel} unless {@link #transfer()} or
 * {@link #drainClient()}/{@link #drainServer()} take it.
 */
public final class TlsPair implements AutoCloseable {

    /** Host name the client sends as SNI and verifies in the server certificate. */
    public static final String HOST = "localhost";
    /** Rounds of {@link #transfer()} after which a conversation that still moves bytes is a bug. */
    private static final int MAX_TRANSFER_ROUNDS = 10_000;

    private final EmbeddedChannel client;
    private final EmbeddedChannel server;
    private final SslWriteHandler clientHandler;
    private final SslWriteHandler serverHandler;
    private final SslWriteContext clientContext;
    private final SslWriteContext serverContext;
    private final StallingTransport transport;
    private final Collector clientCollector = new Collector();
    private final Collector serverCollector = new Collector();
    private final ByteArrayOutputStream clientWire = new ByteArrayOutputStream();
    private final ByteArrayOutputStream serverWire = new ByteArrayOutputStream();

    private TlsPair(SslWriteContext clientContext, SslWriteContext serverContext, StallingTransport transport) {
        this.transport = transport;
        this.clientContext = clientContext;
        this.serverContext = serverContext;
        // Unregistered first, so that the pipelines are complete before channelActive starts the handshake.
        client = new EmbeddedChannel(false, false);
        server = new EmbeddedChannel(false, false);
        clientHandler = clientContext.newHandler(client.alloc(), HOST, 443);
        serverHandler = serverContext.newHandler(server.alloc());
        if (transport != null) {
            client.pipeline().addLast("transport", transport);
        }
        client.pipeline().addLast("ssl", clientHandler).addLast("collector", clientCollector);
        server.pipeline().addLast("ssl", serverHandler).addLast("collector", serverCollector);
        try {
            server.register();
            client.register();
        } catch (Exception e) {
            throw new IllegalStateException("cannot register the embedded channels", e);
        }
    }

    // ---- factories ----

    /** A pair whose client has sent its ClientHello, nothing transferred yet. */
    public static TlsPair create() {
        return builder().build();
    }

    /** A pair, handshake done, no transport under the client. */
    public static TlsPair handshaken() {
        return builder().handshaken();
    }

    /**
     * A pair, handshake done, {@code transport} under the client: it passes the handshake through and
     * then holds or passes writes as it did when given.
     */
    public static TlsPair handshaken(StallingTransport transport) {
        return builder().transport(transport).handshaken();
    }

    /** A pair, handshake done, with both context builders customised. */
    public static TlsPair handshaken(Consumer<SslWriteContext.Builder> client,
                                     Consumer<SslWriteContext.Builder> server) {
        return builder().client(client).server(server).handshaken();
    }

    /** A pair, handshake done, with both context builders customised and {@code transport} under the client. */
    public static TlsPair handshaken(StallingTransport transport, Consumer<SslWriteContext.Builder> client,
                                     Consumer<SslWriteContext.Builder> server) {
        return builder().transport(transport).client(client).server(server).handshaken();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Chooses the contexts and the transport of a pair. */
    public static final class Builder {
        private Consumer<SslWriteContext.Builder> client = b -> { };
        private Consumer<SslWriteContext.Builder> server = b -> { };
        private StallingTransport transport;

        private Builder() {
        }

        /** Customises the client context builder (it already trusts the test CA). Customisers add up. */
        public Builder client(Consumer<SslWriteContext.Builder> customiser) {
            client = client.andThen(customiser);
            return this;
        }

        /** Customises the server context builder (it already has the test server certificate). */
        public Builder server(Consumer<SslWriteContext.Builder> customiser) {
            server = server.andThen(customiser);
            return this;
        }

        /** Puts {@code transport} under the client's handler. */
        public Builder transport(StallingTransport transport) {
            this.transport = transport;
            return this;
        }

        /** The pair as it is right after connecting: the client's ClientHello waits in its outbound. */
        public TlsPair build() {
            SslWriteContext.Builder clientBuilder = SslWriteContext.forClient().trustManager(TestPki.caPem());
            client.accept(clientBuilder);
            SslWriteContext.Builder serverBuilder =
                    SslWriteContext.forServer(TestPki.serverCertPem(), TestPki.serverKeyPem());
            server.accept(serverBuilder);
            try {
                return new TlsPair(clientBuilder.build(), serverBuilder.build(), transport);
            } catch (SSLException e) {
                throw new IllegalStateException("cannot build the test contexts", e);
            }
        }

        /** The pair after a successful handshake, with empty wire logs; fails if the handshake fails. */
        public TlsPair handshaken() {
            TlsPair pair = build();
            try {
                pair.handshake();
            } catch (RuntimeException | Error e) {
                pair.close();
                throw e;
            }
            return pair;
        }
    }

    // ---- driving ----

    /**
     * Transfers until both handshake futures are done, the transport (if any) passing writes meanwhile;
     * fails with the cause if either handshake failed. Then clears the wire logs.
     */
    public TlsPair handshake() {
        boolean wasHolding = transport != null && transport.isHolding();
        if (transport != null) {
            transport.pass();
        }
        for (int round = 0; round < MAX_TRANSFER_ROUNDS && !bothDone(); round++) {
            if (transfer() == 0 && !bothDone()) {
                break;
            }
        }
        if (wasHolding) {
            transport.hold();
        }
        assertHandshakeSucceeded("client", clientHandler.handshakeFuture(), client);
        assertHandshakeSucceeded("server", serverHandler.handshakeFuture(), server);
        clearWire();
        return this;
    }

    private boolean bothDone() {
        return clientHandler.handshakeFuture().isDone() && serverHandler.handshakeFuture().isDone();
    }

    private void assertHandshakeSucceeded(String side, Future<?> future, EmbeddedChannel channel) {
        if (!future.isDone()) {
            throw new AssertionError(side + " handshake did not complete: the peers stopped exchanging bytes"
                    + " (bytes written but never flushed: client " + unflushed(client) + ", server "
                    + unflushed(server) + ")");
        }
        if (!future.isSuccess()) {
            throw new AssertionError(side + " handshake failed: " + future.cause(), future.cause());
        }
    }

    /** Bytes a handler wrote to the channel without flushing them: they never reach the peer. */
    private static long unflushed(EmbeddedChannel channel) {
        return channel.unsafe().outboundBuffer() == null ? 0 : channel.unsafe().outboundBuffer().totalPendingWriteBytes();
    }

    /**
     * Moves what each channel has written to the other's inbound, runs pending tasks, and repeats until
     * neither has anything more to send. Bytes for a closed channel are dropped (and released). Returns
     * the number of bytes moved.
     */
    public long transfer() {
        long total = 0;
        for (int round = 0; round < MAX_TRANSFER_ROUNDS; round++) {
            client.runPendingTasks();
            server.runPendingTasks();
            long moved = move(client, server, clientWire) + move(server, client, serverWire);
            if (moved == 0) {
                return total;
            }
            total += moved;
        }
        throw new AssertionError("the peers were still exchanging bytes after " + MAX_TRANSFER_ROUNDS + " rounds");
    }

    /** Moves the client's outbound bytes to the server once, without running the other direction. */
    public long transferToServer() {
        client.runPendingTasks();
        long moved = move(client, server, clientWire);
        server.runPendingTasks();
        return moved;
    }

    /** Moves the server's outbound bytes to the client once, without running the other direction. */
    public long transferToClient() {
        server.runPendingTasks();
        long moved = move(server, client, serverWire);
        client.runPendingTasks();
        return moved;
    }

    /** Takes what the client wrote to its transport, logging it in {@link #wire()}; the server never sees it. */
    public byte[] drainClient() {
        return drain(client, clientWire);
    }

    /** Takes what the server wrote to its transport, logging it in {@link #serverWire()}; the client never sees it. */
    public byte[] drainServer() {
        return drain(server, serverWire);
    }

    private static long move(EmbeddedChannel from, EmbeddedChannel to, ByteArrayOutputStream log) {
        long moved = 0;
        for (Object msg; (msg = from.readOutbound()) != null; ) {
            if (!(msg instanceof ByteBuf buf)) {
                ReferenceCountUtil.release(msg);
                throw new AssertionError("the transport was handed a " + msg.getClass().getName()
                        + ", not a ByteBuf");
            }
            int length = buf.readableBytes();
            log.writeBytes(ByteBufUtil.getBytes(buf));
            moved += length;
            if (to.isOpen() && length > 0) {
                to.writeInbound(buf);
            } else {
                buf.release();
            }
        }
        return moved;
    }

    private static byte[] drain(EmbeddedChannel from, ByteArrayOutputStream log) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object msg; (msg = from.readOutbound()) != null; ) {
            try {
                if (msg instanceof ByteBuf buf) {
                    byte[] bytes = ByteBufUtil.getBytes(buf);
                    out.writeBytes(bytes);
                    log.writeBytes(bytes);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }
        return out.toByteArray();
    }

    // ---- what happened ----

    public EmbeddedChannel client() {
        return client;
    }

    public EmbeddedChannel server() {
        return server;
    }

    /** The context the client's handler was made from. */
    public SslWriteContext clientContext() {
        return clientContext;
    }

    /** The context the server's handler was made from. */
    public SslWriteContext serverContext() {
        return serverContext;
    }

    public SslWriteHandler clientHandler() {
        return clientHandler;
    }

    public SslWriteHandler serverHandler() {
        return serverHandler;
    }

    /** The transport under the client; fails if the pair has none. */
    public StallingTransport transport() {
        if (transport == null) {
            throw new IllegalStateException("this pair has no StallingTransport under the client");
        }
        return transport;
    }

    /** Ciphertext the client's handler has handed to the stalled transport and that is not yet sent. */
    public long ciphertextHeldByTransport() {
        return transport().heldBytes();
    }

    /** The client channel's write buffer high water mark. */
    public int highWaterMark() {
        return client.config().getWriteBufferHighWaterMark();
    }

    /** Copy of the bytes the client sent (left its transport) since the handshake or {@link #clearWire()}. */
    public byte[] wire() {
        return clientWire.toByteArray();
    }

    /** Copy of the bytes the server sent since the handshake or {@link #clearWire()}. */
    public byte[] serverWire() {
        return serverWire.toByteArray();
    }

    /** {@link Records#parse(byte[])} of {@link #wire()}. */
    public Records clientRecords() {
        return Records.parse(wire());
    }

    /** {@link Records#parse(byte[])} of {@link #serverWire()}. */
    public Records serverRecords() {
        return Records.parse(serverWire());
    }

    /** Forgets the bytes logged so far in both directions. */
    public void clearWire() {
        clientWire.reset();
        serverWire.reset();
    }

    /** Plaintext the server's handler passed up its pipeline, all of it since the pair was made. */
    public byte[] serverReceived() {
        return serverCollector.received.toByteArray();
    }

    /** Plaintext the client's handler passed up its pipeline. */
    public byte[] clientReceived() {
        return clientCollector.received.toByteArray();
    }

    /** Number of {@code channelRead}s with plaintext on the server, to check how the reads were batched. */
    public int serverReads() {
        return serverCollector.reads;
    }

    /** User events that reached the end of the client's pipeline, in order. */
    public List<Object> clientEvents() {
        return Collections.unmodifiableList(clientCollector.events);
    }

    public List<Object> serverEvents() {
        return Collections.unmodifiableList(serverCollector.events);
    }

    /** Exceptions that reached the end of the client's pipeline, in order. */
    public List<Throwable> clientExceptions() {
        return Collections.unmodifiableList(clientCollector.exceptions);
    }

    public List<Throwable> serverExceptions() {
        return Collections.unmodifiableList(serverCollector.exceptions);
    }

    // ---- payloads ----

    /** {@code length} bytes of {@link #pattern(int)} in an unpooled heap buffer. */
    public ByteBuf heapBuffer(int length) {
        return Unpooled.wrappedBuffer(pattern(length));
    }

    /** {@code length} bytes of {@link #pattern(int)} in a direct buffer of the client's allocator. */
    public ByteBuf directBuffer(int length) {
        return directBuffer(client.alloc(), length);
    }

    public static ByteBuf directBuffer(ByteBufAllocator alloc, int length) {
        return alloc.directBuffer(length).writeBytes(pattern(length));
    }

    /**
     * Deterministic bytes that do not repeat within 251 bytes (a prime, so record boundaries never line
     * up with the pattern): a lost, doubled or reordered record shows in a comparison.
     */
    public static byte[] pattern(int length) {
        return pattern(0, length);
    }

    /** {@code length} bytes of the pattern starting at {@code offset}, to check the tail of a stream. */
    public static byte[] pattern(long offset, int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) ((offset + i) % 251);
        }
        return bytes;
    }

    /**
     * Closes both channels and releases whatever is left in their queues. A stalled transport is opened
     * first, so that the client's close_notify can leave and its close complete; whatever it still holds
     * afterwards is dropped.
     */
    @Override
    public void close() {
        try {
            if (transport != null) {
                transport.pass();
            }
            client.finishAndReleaseAll();
        } finally {
            try {
                server.finishAndReleaseAll();
            } finally {
                if (transport != null) {
                    transport.discardHeld();
                }
            }
        }
    }

    /** Plaintext, events and exceptions that reached the end of one side's pipeline. */
    private static final class Collector extends ChannelInboundHandlerAdapter {
        final ByteArrayOutputStream received = new ByteArrayOutputStream();
        final List<Object> events = new ArrayList<>();
        final List<Throwable> exceptions = new ArrayList<>();
        int reads;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof ByteBuf buf) {
                    received.writeBytes(ByteBufUtil.getBytes(buf));
                    reads++;
                } else {
                    events.add("unexpected inbound message " + msg);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            events.add(evt);
            ReferenceCountUtil.release(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            exceptions.add(cause);
        }
    }
}
