package io.sslwrite;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SingleThreadIoEventLoop;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import io.sslwrite.SslWriteStats.Cause;
import io.sslwrite.testing.BuildMode;
import io.sslwrite.testing.TestPki;
import io.sslwrite.testing.TlsPair;
import io.sslwrite.testing.Waits;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLException;
import com.sun.management.UnixOperatingSystemMXBean;

import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static io.sslwrite.testing.Waits.await;
import static io.sslwrite.testing.Waits.awaitSuccess;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Thousands of TLS connections on one server event loop at once, over loopback TCP (DESIGN §3.2, §4.7):
 * they open together, end together (closed by the server, by the clients, by the close timer, by the
 * handshake timeout), and each gets what the contract promises, with {@code stats()} counting every one.
 *
 * <p>Where the client is the witness (it must see the server's close_notify), the client is the JDK's
 * SSLEngine in Netty's {@code SslHandler}, an implementation of its own; where the server's side is what
 * is checked (clients that close first, stop reading, or complete among stalled ones), sslwrite clients,
 * whose handshakes cost a third of the JDK client's CPU, keep the class short. The server's event loop
 * is a Netty loop that notes every task scheduled on it, so that the test sees that each timer ran or was
 * cancelled, and that the loop's scheduled-task queue is empty once the connections have ended: nothing
 * is left to fire, and no cancelled timer keeps a closed connection reachable. File descriptors are
 * counted before and after, and the connections' bytes compared with what was sent.
 *
 * <p>Waits are hang guards only; no assertion depends on a timing. The handshake timeout of the
 * connections that should complete is long (a loaded 2-core machine runs both sides of thousands of
 * handshakes), so that it only fires on a hang.
 */
class ThousandsOfConnectionsTest {

    /**
     * Connections at once. The FIPS build's handshakes cost about twice the CPU (its P-256 key exchange and
     * ECDSA are the FIPS module's, not the lightweight ones of {@code LightweightTlsCrypto}), so it runs
     * half as many, to keep the class near a minute on a loaded 2-core machine.
     */
    static final int N = BuildMode.FIPS ? 1_000 : 2_000;
    /** The request: the client's number. The response: that number, then a pattern (two records). */
    static final int RESPONSE_BYTES = 20_000;
    /** Long enough never to fire on a connection that completes, whatever the machine's load. */
    static final long HANDSHAKE_TIMEOUT_MILLIS = 120_000;
    /** Where the clients that misbehave on purpose connect from (the whole of 127/8 is loopback). */
    static final String MISBEHAVING_FROM = "127.0.0.2";

    private TimerWatchingGroup serverLoop;
    private EventLoopGroup clientLoop;
    private SslContext jdkClient;
    private SslWriteContext sslwriteClient;
    private final List<Channel> channels = new ArrayList<>();

    @BeforeEach
    void start() throws SSLException {
        long limit = ((UnixOperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getMaxFileDescriptorCount();
        assertTrue(limit > 2L * N + 1_000, "this test opens both ends of " + N + " connections in one JVM: it needs"
                + " more than " + (2L * N + 1_000) + " file descriptors, and the limit is " + limit + " (ulimit -n)");
        serverLoop = new TimerWatchingGroup();
        clientLoop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        jdkClient = SslContextBuilder.forClient().sslProvider(SslProvider.JDK)
                .trustManager(TestPki.caCertificate()).build();
        sslwriteClient = SslWriteContext.forClient().trustManager(TestPki.caPem())
                .option(SslWriteOption.HANDSHAKE_TIMEOUT_MILLIS, HANDSHAKE_TIMEOUT_MILLIS).build();
    }

    @AfterEach
    void stop() throws InterruptedException {
        for (Channel channel : channels) {
            channel.close();
        }
        clientLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(Waits.GUARD_SECONDS, TimeUnit.SECONDS);
        serverLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(Waits.GUARD_SECONDS, TimeUnit.SECONDS);
    }

    /**
     * {@link #N} clients connect at once and each reads its own response; then the server closes all of them in
     * one turn of its event loop. Every close completes, every client receives close_notify (not a
     * truncation), and the server counts N handshakes and ends with none open and no timer pending.
     */
    @Test
    void theServerClosesThousandsOfConnectionsAtOnceAndEveryClientReceivesCloseNotify() throws Exception {
        long fdsBefore = openFileDescriptors();
        Server server = startServer(b -> { });
        List<Client> clients = connectClients(server, N, Peer.JDK);
        awaitResponses(clients);
        SslWriteStats open = server.context.stats();
        assertEquals(N, open.handshakesCompleted(), open.toString());
        assertEquals(N, open.connectionsOpen(), open.toString());

        List<ChannelFuture> closes = closeAllInOneTurn(server.accepted);
        assertEquals(N, closes.size());
        for (ChannelFuture close : closes) {
            awaitSuccess(close, "a close() of the server");
        }
        for (Client c : clients) {
            awaitSuccess(c.sslClose, "client " + c.id + " receives close_notify");
            awaitSuccess(c.channel.closeFuture(), "client " + c.id + " channel closed");
            assertTrue(c.app.closeEvent.isSuccess(), "client " + c.id + ": " + c.app.closeEvent);
            assertTrue(c.app.exceptions.isEmpty(), "client " + c.id + ": " + c.app.exceptions);
        }

        assertNoServerExceptions(server);
        SslWriteStats ended = server.context.stats();
        assertEquals(N, ended.handshakesStarted(), ended.toString());
        assertEquals(N, ended.handshakesCompleted(), ended.toString());
        assertEquals(0, ended.handshakesFailed(), ended.toString());
        assertEquals(0, ended.connectionsOpen(), ended.toString());
        assertEquals((long) N * 4, ended.bytesDecrypted(), "the requests");
        assertEquals((long) N * RESPONSE_BYTES, ended.bytesEncrypted(), "the responses");
        // Each connection had a handshake timer and a close timer; every one was cancelled.
        assertNoTimerLeft(0);
        assertFileDescriptorsReleased(fdsBefore);
    }

    /**
     * {@link #N} clients close first, all in one turn of their event loop, each sending close_notify (§4.7): the
     * server sees every connection end with the peer's close_notify ({@code sslCloseFuture()} succeeds, which
     * an EOF or a reset would fail), and nothing reaches {@code exceptionCaught}.
     */
    @Test
    void thousandsOfClientsCloseAtOnceAndTheServerSeesEveryConnectionEndCleanly() throws Exception {
        long fdsBefore = openFileDescriptors();
        Server server = startServer(b -> { });
        List<Client> clients = connectClients(server, N, Peer.SSLWRITE);
        awaitResponses(clients);

        List<ChannelFuture> closes = clientLoop.next().submit(() -> {
            List<ChannelFuture> futures = new ArrayList<>();
            for (Client c : clients) {
                futures.add(c.channel.close());
            }
            return futures;
        }).get(Waits.GUARD_SECONDS, TimeUnit.SECONDS);
        for (ChannelFuture close : closes) {
            await(close, "a client's close()");
        }
        List<Accepted> accepted = new ArrayList<>(server.accepted);
        assertEquals(N, accepted.size());
        for (Accepted a : accepted) {
            awaitSuccess(a.handler.sslCloseFuture(), "the server receives the client's close_notify");
            awaitSuccess(a.channel.closeFuture(), "server channel closed");
        }

        assertNoServerExceptions(server);
        SslWriteStats ended = server.context.stats();
        assertEquals(N, ended.handshakesCompleted(), ended.toString());
        assertEquals(0, ended.handshakesFailed(), ended.toString());
        assertEquals(0, ended.connectionsOpen(), ended.toString());
        assertNoTimerLeft(0);
        assertFileDescriptorsReleased(fdsBefore);
    }

    /**
     * The close timers of {@link #N} connections closed at once: the clients stop reading, so the server's
     * responses stay queued behind back-pressure and close() cannot send close_notify. Every close timer
     * fires once, every close() completes, every queued response fails with the timer's cause, nothing
     * reaches {@code exceptionCaught}, and no timer is left.
     */
    @Test
    void theCloseTimersOfThousandsOfStuckConnectionsAllFireAndLeaveNothingBehind() throws Exception {
        // Small socket buffers, set on both ends (which also stops the kernel from growing them), so that
        // a response of 256 KiB cannot leave.
        Server server = startServer(b -> b.option(SslWriteOption.CLOSE_NOTIFY_FLUSH_TIMEOUT_MILLIS, 500L),
                256 * 1024, 8 * 1024);
        List<Client> clients = connectClients(server, N, Peer.SSLWRITE, true);
        List<Accepted> accepted = awaitAccepted(server, N);
        for (Accepted a : accepted) {
            await(a.app.responseWrite, "the response is written to the pipeline");
        }
        SslWriteStats stuck = server.context.stats();
        assertEquals(N, stuck.connectionsOpen(), stuck.toString());
        assertTrue(stuck.plaintextQueued() > 0, "back-pressure holds plaintext: " + stuck);

        List<ChannelFuture> closes = closeAllInOneTurn(accepted);
        for (ChannelFuture close : closes) {
            awaitSuccess(close, "a close() that waits for the close timer");
        }
        for (Accepted a : accepted) {
            ChannelFuture response = a.app.responseWrite.getNow(null);
            await(response, "the stuck response");
            assertInstanceOf(SSLException.class, response.cause(), String.valueOf(response.cause()));
            assertTrue(response.cause().getMessage().contains("CLOSE_NOTIFY_FLUSH_TIMEOUT_MILLIS"),
                    response.cause().getMessage());
        }

        assertNoServerExceptions(server);
        SslWriteStats ended = server.context.stats();
        assertEquals(0, ended.connectionsOpen(), ended.toString());
        assertEquals(0, ended.plaintextQueued(), ended.toString());
        assertEquals(0, ended.handshakesFailed(), ended.toString());
        assertNoTimerLeft(N);
        for (Client c : clients) {
            c.channel.close();
        }
    }

    /**
     * Of {@link #N} clients, one in ten sends nothing, one in ten stops in the middle of its ClientHello
     * and one in ten after it (its Finished never leaves): those (600 of 2,000) end by the handshake
     * timeout, each reported once, counted as timeouts, and the others, connected among them, get their
     * responses and end cleanly. The misbehaving clients connect from another loopback address, to which the server gives a short
     * handshake timeout, as a server might for an untrusted network.
     */
    @Test
    void stalledHandshakesTimeOutAmongThousandsThatCompleteUndisturbed() throws Exception {
        int silent = N / 10;
        int partial = N / 10;
        int stalled = N / 10;
        int good = N - silent - partial - stalled;
        Server server = startServer(b -> { });
        server.shortTimeoutFrom = InetAddress.getByName(MISBEHAVING_FROM);

        List<Channel> misbehaving = new ArrayList<>();
        List<Client> clients = new ArrayList<>();
        // Interleaved, one of each kind in every ten connections, so that the timeouts fire while the
        // good handshakes are under way.
        for (int i = 0; i < N; i++) {
            switch (i % 10) {
                case 0 -> misbehaving.add(connectRaw(server, null));
                case 1 -> misbehaving.add(connectRaw(server, partialClientHello()));
                case 2 -> misbehaving.add(connectStalledAfterClientHello(server));
                default -> clients.add(connectClient(server, i, Peer.SSLWRITE, false));
            }
        }
        assertEquals(silent + partial + stalled, misbehaving.size());
        assertEquals(good, clients.size());
        awaitResponses(clients);
        for (Channel m : misbehaving) {
            await(m.closeFuture(), "the server closes a misbehaving connection");
        }

        List<Accepted> accepted = new ArrayList<>(server.accepted);
        assertEquals(N, accepted.size());
        int timedOut = 0;
        for (Accepted a : accepted) {
            await(a.handler.handshakeFuture(), "a server handshake");
            if (a.fromMisbehavingAddress) {
                timedOut++;
                assertInstanceOf(SslHandshakeTimeoutException.class, a.handler.handshakeFuture().cause());
                await(a.channel.closeFuture(), "server channel closed");
                assertEquals(1, a.app.exceptions.size(), a.app.exceptions.toString());
                assertInstanceOf(SslHandshakeTimeoutException.class, a.app.exceptions.peek());
            } else {
                assertTrue(a.handler.handshakeFuture().isSuccess(), String.valueOf(a.handler.handshakeFuture().cause()));
                assertTrue(a.app.exceptions.isEmpty(), a.app.exceptions.toString());
            }
        }
        assertEquals(silent + partial + stalled, timedOut);
        SslWriteStats mid = server.context.stats();
        assertEquals(N, mid.handshakesStarted(), mid.toString());
        assertEquals(good, mid.handshakesCompleted(), mid.toString());
        assertEquals(Map.of(Cause.TIMEOUT, (long) timedOut), mid.failuresByCause(), mid.toString());
        assertEquals(Map.of(), mid.failuresByAlert(), mid.toString());
        assertEquals(good, mid.connectionsOpen(), mid.toString());

        for (Client c : clients) {
            c.channel.close();
        }
        for (Accepted a : accepted) {
            if (!a.fromMisbehavingAddress) {
                awaitSuccess(a.handler.sslCloseFuture(), "the client's close_notify");
                await(a.channel.closeFuture(), "server channel closed");
            }
        }
        SslWriteStats ended = server.context.stats();
        assertEquals(0, ended.connectionsOpen(), ended.toString());
        assertEquals(Map.of(Cause.TIMEOUT, (long) timedOut), ended.failuresByCause(), ended.toString());
        // The handshake timers of the misbehaving connections fired; every other timer was cancelled.
        assertNoTimerLeft(timedOut);
    }

    // ---------------------------------------------------------------------------------------------
    // The server

    /** One accepted connection. */
    record Accepted(Channel channel, SslWriteHandler handler, ServerApp app, boolean fromMisbehavingAddress) {
    }

    static final class Server {
        final SslWriteContext context;
        final Queue<Accepted> accepted = new ConcurrentLinkedQueue<>();
        Channel listener;
        /** Connections from this address get a 1 s handshake timeout instead of the context's. */
        volatile InetAddress shortTimeoutFrom;

        Server(SslWriteContext context) {
            this.context = context;
        }

        InetSocketAddress address() {
            return (InetSocketAddress) listener.localAddress();
        }
    }

    private Server startServer(Consumer<SslWriteContext.Builder> options) throws Exception {
        return startServer(options, 0, 0);
    }

    /**
     * @param bigResponse if not 0, each connection answers its request with this many bytes at once, as
     *                    one write, instead of its numbered response
     * @param sendBuffer  if not 0, the server's SO_SNDBUF
     */
    private Server startServer(Consumer<SslWriteContext.Builder> options, int bigResponse,
                               int sendBuffer) throws Exception {
        SslWriteContext.Builder builder = SslWriteContext.forServer(TestPki.serverCertPem(), TestPki.serverKeyPem())
                .option(SslWriteOption.HANDSHAKE_TIMEOUT_MILLIS, HANDSHAKE_TIMEOUT_MILLIS);
        options.accept(builder);
        Server server = new Server(builder.build());
        ServerBootstrap bootstrap = new ServerBootstrap().group(serverLoop).channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        SslWriteHandler handler = server.context.newHandler(ch.alloc());
                        InetAddress shortFrom = server.shortTimeoutFrom;
                        boolean misbehaving = shortFrom != null && shortFrom.equals(ch.remoteAddress().getAddress());
                        if (misbehaving) {
                            handler.setOption(SslWriteOption.HANDSHAKE_TIMEOUT_MILLIS, 1000L);
                        }
                        ServerApp app = new ServerApp(bigResponse);
                        ch.pipeline().addLast(handler, app);
                        server.accepted.add(new Accepted(ch, handler, app, misbehaving));
                    }
                });
        if (sendBuffer > 0) {
            bootstrap.childOption(ChannelOption.SO_SNDBUF, sendBuffer);
        }
        server.listener = bootstrap.bind(InetAddress.getLoopbackAddress(), 0).sync().channel();
        channels.add(server.listener);
        return server;
    }

    /**
     * The application behind the server's TLS: reads a 4-byte request (the client's number) and answers
     * with that number followed by a pattern, {@link #RESPONSE_BYTES} in all; or with a shared large
     * buffer. Every exception that reaches it is kept.
     */
    static final class ServerApp extends ChannelInboundHandlerAdapter {
        private final int bigResponse;
        private final ByteBuf request = Unpooled.buffer(4);
        final Queue<Throwable> exceptions = new ConcurrentLinkedQueue<>();
        final CompletableFuture<ChannelFuture> responseWrite = new CompletableFuture<>();

        ServerApp(int bigResponse) {
            this.bigResponse = bigResponse;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            try {
                request.writeBytes(in, Math.min(in.readableBytes(), request.writableBytes()));
            } finally {
                in.release();
            }
            if (request.isWritable() || responseWrite.isDone()) {
                return;
            }
            int id = request.getInt(0);
            ByteBuf response = bigResponse > 0 ? Unpooled.wrappedBuffer(BIG, 0, bigResponse)
                    : Unpooled.wrappedBuffer(response(id));
            responseWrite.complete(ctx.writeAndFlush(response));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            exceptions.add(cause);
            ctx.close();
        }
    }

    /** One array behind every large response: the queued plaintext of thousands of connections costs nothing. */
    static final byte[] BIG = TlsPair.pattern(1 << 20);

    static byte[] response(int id) {
        byte[] bytes = TlsPair.pattern(id, RESPONSE_BYTES);
        ByteBuffer.wrap(bytes).putInt(id);
        return bytes;
    }

    private static void assertNoServerExceptions(Server server) {
        for (Accepted a : server.accepted) {
            if (!a.app.exceptions.isEmpty()) {
                fail("exceptionCaught on the server: " + a.app.exceptions, a.app.exceptions.peek());
            }
        }
    }

    private List<Accepted> awaitAccepted(Server server, int n) throws InterruptedException {
        Waits.awaitTrue(() -> server.accepted.size() >= n, n + " connections accepted");
        return new ArrayList<>(server.accepted);
    }

    /** {@code close()} on every connection, all in one task of the server's event loop. */
    private List<ChannelFuture> closeAllInOneTurn(Collection<Accepted> accepted) throws Exception {
        return onServerLoop(() -> {
            List<ChannelFuture> futures = new ArrayList<>();
            for (Accepted a : accepted) {
                futures.add(a.channel.close());
            }
            return futures;
        });
    }

    private <T> T onServerLoop(Callable<T> task) throws Exception {
        return serverLoop.next().submit(task).get(Waits.GUARD_SECONDS, TimeUnit.SECONDS);
    }

    /**
     * No scheduled task is left on the server's event loop (none pending, none cancelled and kept), every
     * timer scheduled on it is done, and {@code ran} of them ran rather than being cancelled.
     */
    private void assertNoTimerLeft(int ran) throws Exception {
        WatchedLoop loop = (WatchedLoop) serverLoop.next();
        // Asked from a task that the loop queues itself, so that it runs after what the channels' closes
        // queued on the loop (channelInactive, which Netty fires in a later task than the close future).
        boolean queueEmpty = onServerLoop(() -> loop.submit(loop::scheduledQueueIsEmpty))
                .get(Waits.GUARD_SECONDS, TimeUnit.SECONDS);
        List<ScheduledFuture<?>> timers = new ArrayList<>(loop.scheduled);
        assertTrue(!timers.isEmpty(), "the handler schedules its timers on the channel's event loop");
        int notDone = 0;
        int fired = 0;
        for (ScheduledFuture<?> timer : timers) {
            if (!timer.isDone()) {
                notDone++;
            } else if (!timer.isCancelled()) {
                fired++;
            }
        }
        assertEquals(0, notDone, "timers still pending after every connection ended, of " + timers.size());
        assertTrue(queueEmpty, "the event loop's scheduled-task queue still holds a task after every connection"
                + " ended (" + timers.size() + " timers scheduled)");
        assertEquals(ran, fired, "timers that fired, of " + timers.size());
    }

    /** File descriptors this JVM has open: both ends of every loopback connection are ours. */
    private static long openFileDescriptors() {
        return ((UnixOperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getOpenFileDescriptorCount();
    }

    /**
     * Every socket of both ends is closed: the JVM goes back to no more descriptors than before the
     * test's 2 x {@link #N} sockets, give or take a few of its own (a class file, a log). Awaited, not
     * read once: a closed channel's descriptor is released by the JDK when its selector next deregisters
     * the key, on a later turn of the event loop than the close future.
     */
    private static void assertFileDescriptorsReleased(long before) throws InterruptedException {
        long whenClosed = openFileDescriptors();
        Waits.awaitTrue(() -> openFileDescriptors() < before + 50, "the sockets' file descriptors released"
                + " (open before the connections: " + before + ", when every channel had closed: " + whenClosed + ")");
    }

    // ---------------------------------------------------------------------------------------------
    // The clients

    /** One client: its channel, its TLS handler's close future, and what reached the end of its pipeline. */
    record Client(int id, Channel channel, Future<Channel> sslClose, ClientApp app) {
    }

    /** Which TLS the clients speak. */
    enum Peer { JDK, SSLWRITE }

    private List<Client> connectClients(Server server, int n, Peer peer) {
        return connectClients(server, n, peer, false);
    }

    /**
     * {@code n} clients, connected at once: each connect() only queues the connection on the client
     * loop, and nothing waits for one before the next is made.
     */
    private List<Client> connectClients(Server server, int n, Peer peer, boolean stopReadingAfterRequest) {
        List<Client> clients = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            clients.add(connectClient(server, i, peer, stopReadingAfterRequest));
        }
        return clients;
    }

    private Client connectClient(Server server, int id, Peer peer, boolean stopReadingAfterRequest) {
        ChannelHandler tls;
        Future<Channel> sslClose;
        int port = server.address().getPort();
        if (peer == Peer.JDK) {
            SslHandler ssl = jdkClient.newHandler(ByteBufAllocator.DEFAULT, TlsPair.HOST, port);
            ssl.setHandshakeTimeoutMillis(HANDSHAKE_TIMEOUT_MILLIS);
            tls = ssl;
            sslClose = ssl.sslCloseFuture();
        } else {
            SslWriteHandler ssl = sslwriteClient.newHandler(ByteBufAllocator.DEFAULT, TlsPair.HOST, port);
            tls = ssl;
            sslClose = ssl.sslCloseFuture();
        }
        ClientApp app = new ClientApp(id, stopReadingAfterRequest);
        Bootstrap bootstrap = new Bootstrap().group(clientLoop).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(tls, app);
                    }
                });
        if (stopReadingAfterRequest) {
            bootstrap.option(ChannelOption.SO_RCVBUF, 8 * 1024);
        }
        Channel channel = bootstrap.connect(server.address()).channel();
        channels.add(channel);
        return new Client(id, channel, sslClose, app);
    }

    private static void awaitResponses(List<Client> clients) {
        for (Client c : clients) {
            byte[] got = Waits.await(c.app.response, "client " + c.id + "'s response");
            assertArrayEquals(response(c.id), got, "client " + c.id + "'s response");
        }
    }

    /** The JDK client's application: sends its number after the handshake and collects the response. */
    static final class ClientApp extends ChannelInboundHandlerAdapter {
        private final int id;
        private final boolean stopReadingAfterRequest;
        private final ByteArrayOutputStream received = new ByteArrayOutputStream();
        final CompletableFuture<byte[]> response = new CompletableFuture<>();
        final Queue<Throwable> exceptions = new ConcurrentLinkedQueue<>();
        volatile SslCloseCompletionEvent closeEvent;

        ClientApp(int id, boolean stopReadingAfterRequest) {
            this.id = id;
            this.stopReadingAfterRequest = stopReadingAfterRequest;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent done && done.isSuccess()) {
                ctx.writeAndFlush(Unpooled.buffer(4).writeInt(id));
                if (stopReadingAfterRequest) {
                    ctx.channel().config().setAutoRead(false);
                }
            } else if (evt instanceof SslCloseCompletionEvent close) {
                closeEvent = close;
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                received.writeBytes(ByteBufUtil.getBytes((ByteBuf) msg));
            } finally {
                ReferenceCountUtil.release(msg);
            }
            if (received.size() >= RESPONSE_BYTES) {
                response.complete(received.toByteArray());
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            exceptions.add(cause);
        }
    }

    /** A connection from the misbehaving address that sends {@code bytes} (or nothing) and then waits. */
    private Channel connectRaw(Server server, byte[] bytes) throws InterruptedException {
        Bootstrap bootstrap = new Bootstrap().group(clientLoop).channel(NioSocketChannel.class)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        if (bytes != null) {
                            ctx.writeAndFlush(Unpooled.wrappedBuffer(bytes));
                        }
                        ctx.fireChannelActive();
                    }
                });
        Channel channel = bootstrap.connect(server.address(), new InetSocketAddress(MISBEHAVING_FROM, 0)).channel();
        channels.add(channel);
        return channel;
    }

    /** The start of a ClientHello record that announces 512 bytes and never sends the rest. */
    private static byte[] partialClientHello() {
        return new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xfc, 0x03, 0x03};
    }

    /**
     * A JDK client from the misbehaving address whose first flight, the ClientHello, leaves and whose
     * later bytes (its Finished) never do: the server waits for them until its handshake timeout.
     */
    private Channel connectStalledAfterClientHello(Server server) {
        Bootstrap bootstrap = new Bootstrap().group(clientLoop).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        SslHandler ssl = jdkClient.newHandler(ch.alloc(), TlsPair.HOST, server.address().getPort());
                        ssl.setHandshakeTimeoutMillis(0);
                        ch.pipeline().addLast(new FirstWriteOnly(), ssl);
                    }
                });
        Channel channel = bootstrap.connect(server.address(), new InetSocketAddress(MISBEHAVING_FROM, 0)).channel();
        channels.add(channel);
        return channel;
    }

    /** Passes the first write to the socket and drops every later one, as if the network lost them. */
    static final class FirstWriteOnly extends ChannelOutboundHandlerAdapter {
        private boolean passedOne;

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (!passedOne && msg instanceof ByteBuf buf && buf.isReadable()) {
                passedOne = true;
                ctx.write(msg, promise);
                return;
            }
            ReferenceCountUtil.release(msg);
            promise.trySuccess();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // An event loop whose timers the test can see

    /** One NIO event loop, which notes every task scheduled on it. */
    static final class TimerWatchingGroup extends MultiThreadIoEventLoopGroup {
        TimerWatchingGroup() {
            super(1, (Executor) null, NioIoHandler.newFactory());
        }

        @Override
        protected IoEventLoop newChild(Executor executor, IoHandlerFactory ioHandlerFactory, Object... args) {
            return new WatchedLoop(this, executor, ioHandlerFactory);
        }
    }

    static final class WatchedLoop extends SingleThreadIoEventLoop {
        final Queue<ScheduledFuture<?>> scheduled = new ConcurrentLinkedQueue<>();

        WatchedLoop(IoEventLoopGroup parent, Executor executor, IoHandlerFactory factory) {
            super(parent, executor, factory);
        }

        @Override
        public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
            ScheduledFuture<?> future = super.schedule(command, delay, unit);
            scheduled.add(future);
            return future;
        }

        @Override
        public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
            ScheduledFuture<V> future = super.schedule(callable, delay, unit);
            scheduled.add(future);
            return future;
        }

        /** Whether the scheduled-task queue holds nothing, cancelled tasks included; on the loop only. */
        boolean scheduledQueueIsEmpty() {
            return nextScheduledTaskDeadlineNanos() == -1;
        }
    }
}
