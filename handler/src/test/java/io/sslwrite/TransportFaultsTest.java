package io.sslwrite;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelProgressiveFuture;
import io.netty.channel.ChannelProgressiveFutureListener;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.sslwrite.testing.TestPki;
import io.sslwrite.testing.TlsPair;
import io.sslwrite.testing.Waits;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import static io.sslwrite.testing.Waits.await;
import static io.sslwrite.testing.Waits.awaitSuccess;
import static io.sslwrite.testing.Waits.awaitTrue;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * DESIGN §4.7 over real loopback NIO sockets: what the transport does (a reset, an EOF, a peer that
 * stops reading, a peer that leaves mid-handshake) and what the application does (closing under
 * back-pressure, removing the handler, writing from another thread, listeners that throw) ends with
 * every write completed or failed with a cause, never silently dropped. Waits are hang guards only.
 */
class TransportFaultsTest {

    /** How long a wait may take before the test calls it a hang. */
    static final long GUARD_SECONDS = Waits.GUARD_SECONDS;
    static final int MIB = 1 << 20;

    private EventLoopGroup group;
    private final List<Channel> channels = new CopyOnWriteArrayList<>();
    private final List<AutoCloseable> closeables = new CopyOnWriteArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "transport-faults-peer");
        t.setDaemon(true);
        return t;
    });

    @BeforeEach
    void startEventLoop() {
        group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    }

    @AfterEach
    void stopEverything() throws Exception {
        for (AutoCloseable c : closeables) {
            try {
                c.close();
            } catch (Exception ignored) {
                // Closed by the test already.
            }
        }
        for (Channel channel : channels) {
            channel.close().await(GUARD_SECONDS, TimeUnit.SECONDS);
        }
        threads.shutdownNow();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(GUARD_SECONDS, TimeUnit.SECONDS);
    }

    // ---------------------------------------------------------------------------------------------

    @Test
    void aPeerResetInTheMiddleOfALargeWriteFailsEveryPendingWriteWithTheReset() throws Exception {
        Server server = startServer(b -> { });
        Socket plain = connectPlain(server.port(), 16 * 1024);
        SSLSocket tls = jdkClient(plain, server.port());
        Conn conn = server.accepted();
        awaitSuccess(conn.handler.handshakeFuture(), "server handshake");

        List<ChannelFuture> writes = onLoop(conn.channel, () -> {
            List<ChannelFuture> list = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                list.add(conn.channel.write(Unpooled.wrappedBuffer(TlsPair.pattern(i, MIB))));
            }
            conn.channel.flush();
            return list;
        });
        // Take a little, so that the reset comes in the middle of the stream, then reset.
        tls.getInputStream().readNBytes(100_000);
        awaitTrue(() -> conn.handler.pendingOutboundBytes() > 0 || allDone(writes), "back-pressure");
        assertTrue(conn.handler.pendingOutboundBytes() > 0, "the 16 MiB must not all fit in the socket buffers");
        plain.setSoLinger(true, 0);
        plain.close();

        for (ChannelFuture write : writes) {
            await(write, "a write after the reset");
        }
        await(conn.channel.closeFuture(), "server channel close");
        // Writes whose records all went into the socket buffers before the reset succeeded; every other
        // one failed, with a cause that names the reset.
        assertFalse(writes.get(writes.size() - 1).isSuccess(), "16 MiB cannot have reached a peer that read 100 kB");
        for (ChannelFuture write : writes) {
            if (!write.isSuccess()) {
                assertTrue(namesTheReset(write.cause()), "a write failed with a cause that does not name the reset: "
                        + describe(write.cause()));
            }
        }
        assertTrue(conn.probe.exceptions.size() <= 1, conn.probe.exceptions.toString());
    }

    @Test
    void aClientThatLeavesDuringTheHandshakeFailsTheServersHandshakeAndItsQueuedWrite() throws Exception {
        Server server = startServer(b -> { });
        byte[] clientHello;
        try (TlsPair pair = TlsPair.create()) {
            clientHello = pair.drainClient();
        }
        try (Socket plain = connectPlain(server.port(), 0)) {
            plain.getOutputStream().write(clientHello, 0, 100); // part of the ClientHello, then FIN
            Conn conn = server.accepted();
            ChannelFuture queued = onLoop(conn.channel, () -> conn.channel.writeAndFlush(Unpooled.wrappedBuffer(new byte[100])));
            plain.shutdownOutput();
            await(conn.handler.handshakeFuture(), "server handshake failure");
            await(conn.channel.closeFuture(), "server channel close");
            await(queued, "queued write");
            Throwable cause = conn.handler.handshakeFuture().cause();
            assertInstanceOf(SSLHandshakeException.class, cause);
            assertEquals("connection closed by the peer during the handshake", cause.getMessage());
            assertEquals(cause, queued.cause());
            assertTrue(conn.probe.exceptions.isEmpty(), conn.probe.exceptions.toString());
        }
    }

    @Test
    void aServerThatLeavesDuringTheHandshakeFailsTheClientsHandshakeAndItsQueuedWrite() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            // The peer leaves once the write is queued, so that the write waits for the handshake.
            CompletableFuture<Void> writeQueued = new CompletableFuture<>();
            CompletableFuture<Void> peer = CompletableFuture.runAsync(() -> {
                try (Socket s = listener.accept()) {
                    InputStream in = s.getInputStream();
                    byte[] header = in.readNBytes(5);
                    in.readNBytes(((header[3] & 0xff) << 8) | (header[4] & 0xff)); // the whole ClientHello
                    writeQueued.get(GUARD_SECONDS, TimeUnit.SECONDS);
                    s.shutdownOutput(); // FIN, nothing unread: no reset
                    in.read();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, threads);
            SslWriteContext context = SslWriteContext.forClient().trustManager(TestPki.caPem()).build();
            Conn conn = connectSslwrite(context, listener.getLocalPort());
            ChannelFuture queued = onLoop(conn.channel, () -> conn.channel.writeAndFlush(Unpooled.wrappedBuffer(new byte[100])));
            writeQueued.complete(null);
            await(conn.handler.handshakeFuture(), "client handshake failure");
            await(queued, "queued write");
            await(conn.channel.closeFuture(), "client channel close");
            Throwable cause = conn.handler.handshakeFuture().cause();
            assertInstanceOf(SSLHandshakeException.class, cause);
            assertEquals("connection closed by the peer during the handshake", cause.getMessage());
            assertEquals(cause, queued.cause());
            assertTrue(conn.probe.exceptions.isEmpty(), conn.probe.exceptions.toString());
            peer.get(GUARD_SECONDS, TimeUnit.SECONDS);
        }
    }

    @Test
    void anEofWithoutCloseNotifyIsTruncationFailsQueuedWritesAndFiresTheCloseEventWithoutExceptionCaught()
            throws Exception {
        Server server = startServer(b -> { });
        Socket plain = connectPlain(server.port(), 0);
        jdkClient(plain, server.port());
        Conn conn = server.accepted();
        awaitSuccess(conn.handler.handshakeFuture(), "server handshake");
        ChannelFuture queued = onLoop(conn.channel, () -> conn.channel.write(Unpooled.wrappedBuffer(new byte[1000])));
        plain.shutdownOutput(); // EOF under the TLS layer: no close_notify

        await(conn.channel.closeFuture(), "server channel close");
        await(conn.handler.sslCloseFuture(), "sslCloseFuture");
        await(queued, "queued write");
        Throwable truncation = conn.handler.sslCloseFuture().cause();
        assertInstanceOf(SSLException.class, truncation);
        assertEquals("peer closed the connection without close_notify (possible truncation)", truncation.getMessage());
        assertEquals(truncation, queued.cause());
        awaitTrue(() -> conn.probe.events.stream().anyMatch(e -> e instanceof SslCloseCompletionEvent), "close event");
        SslCloseCompletionEvent event = conn.probe.events.stream().filter(e -> e instanceof SslCloseCompletionEvent)
                .map(e -> (SslCloseCompletionEvent) e).findFirst().orElseThrow();
        assertEquals(truncation, event.cause());
        assertTrue(conn.probe.exceptions.isEmpty(), conn.probe.exceptions.toString());
    }

    /**
     * A handler nearer the transport (a read timeout, say) closes the channel with its own
     * {@code ctx.close()}, beneath SslWriteHandler: the peer did not close, so the ending says who did
     * and does not call it truncation.
     */
    @Test
    void aCloseBeneathTheHandlerIsNotReportedAsThePeersTruncation() throws Exception {
        Server server = startServer(b -> { });
        Socket plain = connectPlain(server.port(), 0);
        jdkClient(plain, server.port());
        Conn conn = server.accepted();
        awaitSuccess(conn.handler.handshakeFuture(), "server handshake");
        onLoop(conn.channel, () -> conn.channel.pipeline().addFirst("beneath", new ChannelInboundHandlerAdapter())
                .context("beneath").close());
        await(conn.channel.closeFuture(), "server channel close");
        await(conn.handler.sslCloseFuture(), "sslCloseFuture");
        Throwable cause = conn.handler.sslCloseFuture().cause();
        assertEquals("the channel was closed beneath SslWriteHandler (by a handler nearer the transport)"
                + " before close_notify was sent or received", cause.getMessage());
        assertTrue(conn.probe.exceptions.isEmpty(), conn.probe.exceptions.toString());
    }

    /**
     * §4.7: the public methods are called from any thread. From the test thread, while the event loop
     * encrypts: {@code pendingOutboundBytes()} falls to 0 as the writes complete, {@code session()}
     * shows the handshake, and a {@code setOption} made here sizes the records of the next flush.
     */
    @Test
    void publicMethodsCalledFromAnotherThreadSeeAndChangeWhatTheEventLoopDoes() throws Exception {
        Server server = startServer(b -> { });
        SslWriteContext context = SslWriteContext.forClient().trustManager(TestPki.caPem()).build();
        Conn client = connectSslwrite(context, server.port());
        assertFalse(client.channel.eventLoop().inEventLoop());
        awaitSuccess(client.handler.handshakeFuture(), "client handshake");
        assertEquals("TLSv1.3", client.handler.session().protocol());

        ChannelFuture big = client.channel.writeAndFlush(Unpooled.wrappedBuffer(new byte[8 * MIB]));
        awaitTrue(() -> client.handler.pendingOutboundBytes() == 0, "the queue drained, seen from this thread");
        await(big, "8 MiB write");
        assertTrue(big.isSuccess(), String.valueOf(big.cause()));

        assertTrue(client.handler.setOption(SslWriteOption.MAX_RECORD_SIZE, 1024));
        assertEquals(1024, client.handler.getOption(SslWriteOption.MAX_RECORD_SIZE));
        Conn conn = server.accepted();
        awaitTrue(() -> conn.probe.receivedLength() == 8 * MIB, "8 MiB at the server");
        int readsBefore = conn.probe.reads();
        ChannelFuture small = client.channel.writeAndFlush(Unpooled.wrappedBuffer(new byte[10 * 1024]));
        await(small, "10 KiB write");
        awaitTrue(() -> conn.probe.receivedLength() == 8 * MIB + 10 * 1024, "10 KiB more at the server");
        assertEquals(10, conn.probe.reads() - readsBefore, "one channelRead per record: 10 records of 1024 bytes");
    }

    /**
     * The JDK's TLS server is the witness: an sslwrite client that does not trust it writes, before the
     * handshake, a buffer with {@code CLOSE_ON_FAILURE}. The listener runs inside the ending; the
     * client's fatal alert must still reach the server, which reports it as received.
     */
    @Test
    void aCloseOnFailureListenerStillLetsTheJdkServerReceiveTheClientsAlert() throws Exception {
        java.security.KeyStore keys = java.security.KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("server", TestPki.serverKey(), new char[0], TestPki.serverChain());
        javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance(
                javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, new char[0]);
        SSLContext jdk = SSLContext.getInstance("TLS");
        jdk.init(kmf.getKeyManagers(), null, null);
        javax.net.ssl.SSLServerSocket listener = (javax.net.ssl.SSLServerSocket) jdk.getServerSocketFactory()
                .createServerSocket(0, 1, InetAddress.getLoopbackAddress());
        closeables.add(listener);
        listener.setEnabledProtocols(new String[] {"TLSv1.2"});
        CompletableFuture<String> serverSaw = CompletableFuture.supplyAsync(() -> {
            try (SSLSocket accepted = (SSLSocket) listener.accept()) {
                accepted.startHandshake();
                return "handshake succeeded";
            } catch (IOException e) {
                return e.getMessage();
            }
        }, threads);

        SslWriteContext context = SslWriteContext.forClient().trustManager(TestPki.wrongCaPem()).protocols("TLSv1.2").build();
        CompletableFuture<ChannelFuture> write = new CompletableFuture<>();
        Channel channel = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(context.newHandler(ch.alloc(), TlsPair.HOST, listener.getLocalPort()),
                                new Probe());
                        // Queued before the handshake starts, as an application writing at once does.
                        write.complete(ch.writeAndFlush(Unpooled.wrappedBuffer(new byte[100]))
                                .addListener(ChannelFutureListener.CLOSE_ON_FAILURE));
                    }
                })
                .connect(InetAddress.getLoopbackAddress(), listener.getLocalPort()).sync().channel();
        channels.add(channel);
        await(channel.closeFuture(), "the client closing after its alert");
        assertInstanceOf(SSLHandshakeException.class, write.get(GUARD_SECONDS, TimeUnit.SECONDS).cause());
        String seen = serverSaw.get(GUARD_SECONDS, TimeUnit.SECONDS);
        assertTrue(seen.contains("Received fatal alert: unknown_ca"), "the JDK server saw: " + seen);
    }

    @Test
    void closeUnderBackPressureDrainsEveryQueuedWriteThenSendsCloseNotify() throws Exception {
        Server server = startServer(b -> { });
        Socket plain = connectPlain(server.port(), 16 * 1024);
        SSLSocket tls = jdkClient(plain, server.port());
        Conn conn = server.accepted();
        awaitSuccess(conn.handler.handshakeFuture(), "server handshake");
        int total = 8 * MIB;
        List<ChannelFuture> writes = onLoop(conn.channel, () -> {
            List<ChannelFuture> list = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                list.add(conn.channel.write(Unpooled.wrappedBuffer(TlsPair.pattern((long) i * MIB, MIB))));
            }
            conn.channel.flush();
            return list;
        });
        ChannelFuture close = onLoop(conn.channel, () -> conn.channel.close());
        assertFalse(close.isDone(), "close waits for the queued writes");

        // The peer reads everything, then sees close_notify as the end of the stream.
        CompletableFuture<byte[]> read = CompletableFuture.supplyAsync(() -> {
            try {
                return tls.getInputStream().readAllBytes();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, threads);
        byte[] got = read.get(GUARD_SECONDS, TimeUnit.SECONDS);
        await(close, "close");
        assertTrue(close.isSuccess(), String.valueOf(close.cause()));
        for (ChannelFuture write : writes) {
            assertTrue(write.isSuccess(), String.valueOf(write.cause()));
        }
        assertEquals(total, got.length);
        assertArrayEquals(TlsPair.pattern(total), got);
    }

    @Test
    void closeUnderBackPressureToAPeerThatNeverReadsStillClosesTheChannel() throws Exception {
        Server server = startServer(b -> b.option(SslWriteOption.CLOSE_NOTIFY_FLUSH_TIMEOUT_MILLIS, 500L));
        Socket plain = connectPlain(server.port(), 16 * 1024);
        jdkClient(plain, server.port());
        Conn conn = server.accepted();
        awaitSuccess(conn.handler.handshakeFuture(), "server handshake");
        List<ChannelFuture> writes = onLoop(conn.channel, () -> {
            List<ChannelFuture> list = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                list.add(conn.channel.write(Unpooled.wrappedBuffer(TlsPair.pattern(i, MIB))));
            }
            conn.channel.flush();
            return list;
        });
        awaitTrue(() -> conn.handler.pendingOutboundBytes() > 0, "back-pressure");
        ChannelFuture close = onLoop(conn.channel, () -> conn.channel.close());

        // The peer never reads: the channel must close all the same, and every write end.
        await(conn.channel.closeFuture(), "server channel close while the peer never reads");
        await(close, "close");
        for (ChannelFuture write : writes) {
            await(write, "a write queued before close");
        }
        assertFalse(writes.get(writes.size() - 1).isSuccess(), "8 MiB cannot have reached a peer that never reads");
        assertInstanceOf(SSLException.class, writes.get(writes.size() - 1).cause());
    }

    @Test
    void removingTheHandlerMidStreamFailsTheQueuedWritesInsteadOfDroppingThem() throws Exception {
        Server server = startServer(b -> { });
        Socket plain = connectPlain(server.port(), 16 * 1024);
        jdkClient(plain, server.port());
        Conn conn = server.accepted();
        awaitSuccess(conn.handler.handshakeFuture(), "server handshake");
        List<ChannelFuture> writes = onLoop(conn.channel, () -> {
            List<ChannelFuture> list = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                list.add(conn.channel.write(Unpooled.wrappedBuffer(TlsPair.pattern(i, MIB))));
            }
            conn.channel.flush();
            return list;
        });
        awaitTrue(() -> conn.handler.pendingOutboundBytes() > 0, "back-pressure");
        onLoop(conn.channel, () -> conn.channel.pipeline().remove(conn.handler));

        ChannelFuture last = writes.get(writes.size() - 1);
        await(last, "the last queued write after the handler was removed");
        assertInstanceOf(SSLException.class, last.cause());
        assertTrue(last.cause().getMessage().contains("removed from the pipeline"), last.cause().getMessage());
        conn.channel.close();
        for (ChannelFuture write : writes) {
            await(write, "every write once the channel closes");
        }
    }

    @Test
    void writesFromAThreadOutsideTheEventLoopArriveInOrderByteExact() throws Exception {
        Server server = startServer(b -> { });
        SslWriteContext context = SslWriteContext.forClient().trustManager(TestPki.caPem()).build();
        Conn client = connectSslwrite(context, server.port());
        Random random = new Random(11);
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        List<ChannelFuture> writes = new ArrayList<>();
        assertFalse(client.channel.eventLoop().inEventLoop());
        for (int i = 0; i < 2000; i++) {
            byte[] chunk = new byte[random.nextInt(5000)];
            random.nextBytes(chunk);
            expected.writeBytes(chunk);
            // Some writes are flushed at once, some wait for a later flush.
            writes.add(random.nextInt(3) == 0 ? client.channel.write(Unpooled.wrappedBuffer(chunk))
                    : client.channel.writeAndFlush(Unpooled.wrappedBuffer(chunk)));
        }
        client.channel.flush();
        for (ChannelFuture write : writes) {
            await(write, "write");
            assertTrue(write.isSuccess(), String.valueOf(write.cause()));
        }
        Conn conn = server.accepted();
        awaitTrue(() -> conn.probe.receivedLength() >= expected.size(), "all bytes at the server");
        assertArrayEquals(expected.toByteArray(), conn.probe.received());
    }

    @Test
    void promiseListenersThatThrowDoNotStopTheHandler() throws Exception {
        Server server = startServer(b -> { });
        SslWriteContext context = SslWriteContext.forClient().trustManager(TestPki.caPem()).build();
        Conn client = connectSslwrite(context, server.port());
        awaitSuccess(client.handler.handshakeFuture(), "client handshake");
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        List<ChannelFuture> writes = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            byte[] chunk = TlsPair.pattern(i, 40_000);
            expected.writeBytes(chunk);
            ChannelFuture write = client.channel.writeAndFlush(Unpooled.wrappedBuffer(chunk), client.channel.newProgressivePromise());
            write.addListener((ChannelFutureListener) f -> {
                throw new IllegalStateException("a listener that throws on completion");
            });
            write.addListener(new ChannelProgressiveFutureListener() {
                @Override
                public void operationProgressed(ChannelProgressiveFuture future, long progress, long total) {
                    throw new IllegalStateException("a listener that throws on progress");
                }

                @Override
                public void operationComplete(ChannelProgressiveFuture future) {
                    throw new IllegalStateException("a listener that throws on completion");
                }
            });
            writes.add(write);
        }
        // A listener that writes the next piece from its completion: re-entrant writes keep their order.
        byte[] tail = TlsPair.pattern(3, 100_000);
        expected.writeBytes(tail);
        CompletableFuture<Void> chained = new CompletableFuture<>();
        chainWrites(client.channel, tail, 0, chained);
        for (ChannelFuture write : writes) {
            await(write, "write");
            assertTrue(write.isSuccess(), String.valueOf(write.cause()));
        }
        chained.get(GUARD_SECONDS, TimeUnit.SECONDS);
        Conn conn = server.accepted();
        awaitTrue(() -> conn.probe.receivedLength() >= expected.size(), "all bytes at the server");
        assertArrayEquals(expected.toByteArray(), conn.probe.received());
        assertTrue(client.probe.exceptions.isEmpty(), client.probe.exceptions.toString());
        assertTrue(client.channel.isActive());
    }

    private static void chainWrites(Channel channel, byte[] bytes, int offset, CompletableFuture<Void> done) {
        if (offset >= bytes.length) {
            done.complete(null);
            return;
        }
        int n = Math.min(7_000, bytes.length - offset);
        channel.writeAndFlush(Unpooled.wrappedBuffer(bytes, offset, n)).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                done.completeExceptionally(f.cause());
                return;
            }
            chainWrites(channel, bytes, offset + n, done);
            throw new IllegalStateException("and throws after writing the next piece");
        });
    }

    // ---------------------------------------------------------------------------------------------
    // Peers

    /** One sslwrite connection: its channel, handler and what reached the end of its pipeline. */
    record Conn(Channel channel, SslWriteHandler handler, Probe probe) {
    }

    record Server(Channel channel, CompletableFuture<Conn> firstChild) {
        int port() {
            return ((InetSocketAddress) channel.localAddress()).getPort();
        }

        Conn accepted() throws Exception {
            return firstChild.get(GUARD_SECONDS, TimeUnit.SECONDS);
        }
    }

    private Server startServer(Consumer<SslWriteContext.Builder> customise) throws Exception {
        SslWriteContext.Builder builder = SslWriteContext.forServer(TestPki.serverCertPem(), TestPki.serverKeyPem());
        customise.accept(builder);
        SslWriteContext context = builder.build();
        CompletableFuture<Conn> first = new CompletableFuture<>();
        ServerBootstrap bootstrap = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        channels.add(ch);
                        SslWriteHandler handler = context.newHandler(ch.alloc());
                        Probe probe = new Probe();
                        ch.pipeline().addLast(handler, probe);
                        first.complete(new Conn(ch, handler, probe));
                    }
                });
        Channel channel = bootstrap.bind(InetAddress.getLoopbackAddress(), 0).sync().channel();
        channels.add(channel);
        return new Server(channel, first);
    }

    private Conn connectSslwrite(SslWriteContext context, int port) throws Exception {
        CompletableFuture<Conn> conn = new CompletableFuture<>();
        Bootstrap bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        SslWriteHandler handler = context.newHandler(ch.alloc(), TlsPair.HOST, port);
                        Probe probe = new Probe();
                        ch.pipeline().addLast(handler, probe);
                        conn.complete(new Conn(ch, handler, probe));
                    }
                });
        Channel channel = bootstrap.connect(InetAddress.getLoopbackAddress(), port).sync().channel();
        channels.add(channel);
        return conn.get(GUARD_SECONDS, TimeUnit.SECONDS);
    }

    /** A plain socket to the port; a small receive buffer (if not 0) so that back-pressure comes soon. */
    private Socket connectPlain(int port, int receiveBuffer) throws IOException {
        Socket plain = new Socket();
        if (receiveBuffer > 0) {
            plain.setReceiveBufferSize(receiveBuffer);
        }
        plain.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        closeables.add(plain);
        return plain;
    }

    /** A JDK TLS client over {@code plain}, handshaken; closing {@code plain} sends no close_notify. */
    private SSLSocket jdkClient(Socket plain, int port) throws Exception {
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, TestPki.caBundle().toTrustManagerFactory().getTrustManagers(), null);
        SSLSocket tls = (SSLSocket) ssl.getSocketFactory().createSocket(plain, TlsPair.HOST, port, false);
        CompletableFuture.runAsync(() -> {
            try {
                tls.startHandshake();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, threads).get(GUARD_SECONDS, TimeUnit.SECONDS);
        return tls;
    }

    /** What reached the end of an sslwrite pipeline. */
    static final class Probe extends ChannelInboundHandlerAdapter {
        private final ByteArrayOutputStream received = new ByteArrayOutputStream();
        private int reads;
        final List<Throwable> exceptions = new CopyOnWriteArrayList<>();
        final List<Object> events = new CopyOnWriteArrayList<>();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                synchronized (received) {
                    reads++;
                    received.writeBytes(ByteBufUtil.getBytes((ByteBuf) msg));
                }
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

        /** Plaintext buffers passed up: one per record received. */
        int reads() {
            synchronized (received) {
                return reads;
            }
        }

        int receivedLength() {
            synchronized (received) {
                return received.size();
            }
        }

        byte[] received() {
            synchronized (received) {
                return received.toByteArray();
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Waiting (hang guards only)

    private static <T> T onLoop(Channel channel, java.util.concurrent.Callable<T> task) throws Exception {
        return channel.eventLoop().submit(task).get(GUARD_SECONDS, TimeUnit.SECONDS);
    }

    private static boolean allDone(List<ChannelFuture> futures) {
        return futures.stream().allMatch(Future::isDone);
    }

    /** The failure is the reset itself, or says it came from one (its cause chain holds the IOException). */
    private static boolean namesTheReset(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof IOException && !(c instanceof SSLException)) {
                return true;
            }
            String m = String.valueOf(c.getMessage()).toLowerCase();
            if (m.contains("reset") || m.contains("broken pipe")) {
                return true;
            }
        }
        return false;
    }

    private static String describe(Throwable t) {
        java.io.StringWriter w = new java.io.StringWriter();
        t.printStackTrace(new java.io.PrintWriter(w));
        return w.toString();
    }
}
