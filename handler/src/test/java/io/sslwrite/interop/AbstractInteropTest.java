package io.sslwrite.interop;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.sslwrite.SslWriteContext;
import io.sslwrite.SslWriteHandler;
import io.sslwrite.testing.TestPki;
import io.sslwrite.testing.Waits;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * What the interop tests share (DESIGN §7): peers started by the test itself (the {@code openssl} CLI,
 * JDK sockets), sslwrite on real NIO loopback connections, 8 MiB payloads compared by SHA-256.
 *
 * <p>Every child process, thread pool, channel and event loop made through this class is stopped in
 * {@link #stopEverything()}, before the leak check of {@code LeakDetectionExtension} runs. Waits are
 * hang guards only ({@link #GUARD_SECONDS}): a test that reaches one has failed, never a timing
 * assertion.
 */
abstract class AbstractInteropTest {

    /** Bytes sent in each direction: enough for hundreds of records and many back-pressure cycles. */
    static final int PAYLOAD_BYTES = 8 << 20;
    /** How long a test waits for something that should happen before it calls it a hang. */
    static final long GUARD_SECONDS = Waits.GUARD_SECONDS;

    EventLoopGroup group;
    private final List<PeerProcess> processes = new ArrayList<>();
    private final List<Channel> channels = new CopyOnWriteArrayList<>();
    private final List<AutoCloseable> closeables = new CopyOnWriteArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread thread = new Thread(r, "interop-peer-io");
        thread.setDaemon(true);
        return thread;
    });

    @BeforeEach
    void startEventLoop() {
        group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    }

    @AfterEach
    void stopEverything() throws InterruptedException {
        for (PeerProcess process : processes) {
            process.destroy();
            // The peer's own account goes to the test's output, next to any failure it explains.
            System.err.println("peer " + process.describe());
        }
        for (AutoCloseable closeable : closeables) {
            try {
                closeable.close();
            } catch (Exception ignored) {
                // Already closed by the test, or broken by the failure being reported.
            }
        }
        for (Channel channel : channels) {
            channel.close().await(GUARD_SECONDS, TimeUnit.SECONDS);
        }
        threads.shutdownNow();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(GUARD_SECONDS, TimeUnit.SECONDS);
    }

    // ---- payloads and digests ----

    /** {@code size} pseudo-random bytes; each direction of a test uses its own seed. */
    static byte[] payload(long seed, int size) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    static String sha256(byte[] bytes) {
        MessageDigest digest = newSha256();
        digest.update(bytes);
        return HexFormat.of().formatHex(digest.digest());
    }

    static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads exactly {@code count} bytes of {@code in} on a thread of the test, returning their SHA-256. */
    CompletableFuture<String> hashExactly(InputStream in, long count) {
        return CompletableFuture.supplyAsync(() -> {
            MessageDigest digest = newSha256();
            byte[] chunk = new byte[65536];
            long left = count;
            try {
                while (left > 0) {
                    int n = in.read(chunk, 0, (int) Math.min(chunk.length, left));
                    if (n < 0) {
                        throw new IOException("stream ended after " + (count - left) + " of " + count + " bytes");
                    }
                    digest.update(chunk, 0, n);
                    left -= n;
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return HexFormat.of().formatHex(digest.digest());
        }, threads);
    }

    /** Reads and drops what a peer prints, so that a full pipe never blocks it. */
    void discard(InputStream in) {
        CompletableFuture.runAsync(() -> {
            try {
                in.transferTo(OutputStream.nullOutputStream());
            } catch (IOException ignored) {
                // The process was destroyed.
            }
        }, threads);
    }

    /** Writes {@code bytes} to {@code out} on a thread of the test, leaving the stream open. */
    CompletableFuture<Void> feed(OutputStream out, byte[] bytes) {
        return CompletableFuture.runAsync(() -> {
            try {
                // Uneven pieces, so the peer's reads do not line up with anything of ours.
                Random sizes = new Random(7);
                for (int offset = 0; offset < bytes.length; ) {
                    int n = Math.min(bytes.length - offset, 1 + sizes.nextInt(40000));
                    out.write(bytes, offset, n);
                    offset += n;
                }
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, threads);
    }

    static <T> T await(CompletableFuture<T> future, String what) {
        return Waits.await(future, what);
    }

    static <T> Future<T> await(Future<T> future, String what) throws InterruptedException {
        return Waits.await(future, what);
    }

    static void awaitSuccess(Future<?> future, String what) throws InterruptedException {
        Waits.awaitSuccess(future, what);
    }

    // ---- sslwrite over NIO ----

    /** One sslwrite connection: its channel, its handler and what it received. */
    record Connection(Channel channel, SslWriteHandler handler, Receiver receiver) {

        /**
         * Writes {@code bytes} in uneven pieces, heap and pooled direct buffers in turn, and returns the
         * futures of every write: each must succeed (DESIGN §4.2).
         */
        List<ChannelFuture> send(byte[] bytes) {
            List<ChannelFuture> writes = new ArrayList<>();
            Random sizes = new Random(11);
            int piece = 0;
            for (int offset = 0; offset < bytes.length; piece++) {
                int n = Math.min(bytes.length - offset, 1 + sizes.nextInt(65536));
                ByteBuf buf = piece % 2 == 0
                        ? Unpooled.wrappedBuffer(bytes, offset, n)
                        : channel.alloc().directBuffer(n).writeBytes(bytes, offset, n);
                writes.add(channel.writeAndFlush(buf));
                offset += n;
            }
            return writes;
        }

        void awaitWrites(List<ChannelFuture> writes) throws InterruptedException {
            for (int i = 0; i < writes.size(); i++) {
                awaitSuccess(writes.get(i), "write " + (i + 1) + " of " + writes.size());
            }
        }
    }

    /**
     * Collects what an sslwrite handler passes up: a digest of the plaintext, the exceptions and the
     * user events, and a future that completes when the expected number of bytes has arrived.
     */
    static final class Receiver extends ChannelInboundHandlerAdapter {
        private final long expected;
        private final MessageDigest digest = newSha256();
        private final CompletableFuture<String> done = new CompletableFuture<>();
        final List<Throwable> exceptions = new CopyOnWriteArrayList<>();
        final List<Object> events = new CopyOnWriteArrayList<>();
        private long received;

        Receiver(long expected) {
            this.expected = expected;
            if (expected == 0) {
                done.complete(HexFormat.of().formatHex(newSha256().digest()));
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                ByteBuf buf = (ByteBuf) msg;
                received += buf.readableBytes();
                digest.update(buf.nioBuffer());
                if (received > expected) {
                    done.completeExceptionally(new AssertionError(
                            "received " + received + " bytes, expected " + expected));
                } else if (received == expected) {
                    done.complete(HexFormat.of().formatHex(digest.digest()));
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

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            done.completeExceptionally(new AssertionError(
                    "connection closed after " + received + " of " + expected + " bytes; exceptions: " + exceptions));
        }

        /** SHA-256 of the expected bytes once they have all arrived. */
        String awaitDigest() {
            return await(done, "receiving " + expected + " bytes (got " + received + ")");
        }

        long received() {
            return received;
        }
    }

    /** Connects an sslwrite client to 127.0.0.1:{@code port}, verifying {@code host} (null: no SNI, no check). */
    Connection connect(SslWriteContext context, String host, int port, long expectedBytes) throws InterruptedException {
        Receiver receiver = new Receiver(expectedBytes);
        CompletableFuture<SslWriteHandler> handler = new CompletableFuture<>();
        Bootstrap bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        SslWriteHandler ssl = host == null
                                ? context.newHandler(ch.alloc())
                                : context.newHandler(ch.alloc(), host, port);
                        ch.pipeline().addLast(ssl, receiver);
                        handler.complete(ssl);
                    }
                });
        ChannelFuture connect = bootstrap.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        awaitSuccess(connect, "TCP connect to 127.0.0.1:" + port);
        channels.add(connect.channel());
        return new Connection(connect.channel(), handler.join(), receiver);
    }

    /** An sslwrite server on 127.0.0.1, an ephemeral port; its accepted connections arrive in order. */
    final class Server {
        final Channel channel;
        private final List<CompletableFuture<Connection>> accepted = new CopyOnWriteArrayList<>();
        private int next;

        Server(SslWriteContext context, long expectedBytes) throws InterruptedException {
            this(context, expectedBytes, false);
        }

        /**
         * @param closeOnException whether the pipeline closes the channel on {@code exceptionCaught}, as
         *                         most Netty applications do
         */
        Server(SslWriteContext context, long expectedBytes, boolean closeOnException) throws InterruptedException {
            for (int i = 0; i < 4; i++) {
                accepted.add(new CompletableFuture<>());
            }
            ServerBootstrap bootstrap = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        private int count;

                        @Override
                        protected void initChannel(SocketChannel ch) {
                            channels.add(ch);
                            Receiver receiver = new Receiver(expectedBytes);
                            SslWriteHandler ssl = context.newHandler(ch.alloc());
                            ch.pipeline().addLast(ssl);
                            if (closeOnException) {
                                ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                                    @Override
                                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                        ctx.fireExceptionCaught(cause);
                                        ctx.close();
                                    }
                                });
                            }
                            ch.pipeline().addLast(receiver);
                            if (count < accepted.size()) {
                                accepted.get(count++).complete(new Connection(ch, ssl, receiver));
                            }
                        }
                    });
            ChannelFuture bind = bootstrap.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            awaitSuccess(bind, "bind");
            channel = bind.channel();
            channels.add(channel);
        }

        int port() {
            return ((InetSocketAddress) channel.localAddress()).getPort();
        }

        /** The next accepted connection. */
        Connection accepted() {
            return AbstractInteropTest.await(accepted.get(next++), "accepting a connection on port " + port());
        }
    }

    Server serve(SslWriteContext context, long expectedBytes) throws InterruptedException {
        return new Server(context, expectedBytes);
    }

    /** A server whose pipeline closes the channel on {@code exceptionCaught}, as most applications' do. */
    Server serveClosingOnException(SslWriteContext context) throws InterruptedException {
        return new Server(context, 0, true);
    }

    /** Both directions at once: sslwrite sends {@code toPeer}, the peer's stream yields what sslwrite sent. */
    static void assertSameBytes(byte[] expected, String actualSha256, String direction) {
        assertEquals(sha256(expected), actualSha256, direction + ": SHA-256 of the " + expected.length
                + " bytes received differs from what was sent");
    }

    // ---- JDK sockets ----

    private static final char[] KEYSTORE_PASSWORD = "interop".toCharArray();

    /** The JDK's TLS with the test PKI: the server certificate (server) or trust in the test CA (client). */
    static SSLContext jdkContext(boolean server) throws Exception {
        TrustManagerFactory tmf = jdkTrusting(TestPki.caCertificate());
        SSLContext context = SSLContext.getInstance("TLS");
        if (server) {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("server", TestPki.serverKey(), KEYSTORE_PASSWORD, TestPki.serverChain());
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, KEYSTORE_PASSWORD);
            context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        } else {
            context.init(null, tmf.getTrustManagers(), null);
        }
        return context;
    }

    /** The JDK's trust manager factory, trusting {@code ca} alone. */
    static TrustManagerFactory jdkTrusting(X509Certificate ca) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        return tmf;
    }

    /** A JDK TLS server on 127.0.0.1, an ephemeral port, closed after the test. */
    SSLServerSocket jdkServer(String... protocols) throws Exception {
        SSLServerSocket listener = (SSLServerSocket) jdkContext(true).getServerSocketFactory()
                .createServerSocket(0, 1, InetAddress.getLoopbackAddress());
        closeAfterTest(listener);
        if (protocols.length > 0) {
            listener.setEnabledProtocols(protocols);
        }
        return listener;
    }

    /** Accepts one connection on {@code listener} and completes its handshake, on a thread of the test. */
    CompletableFuture<SSLSocket> acceptAndHandshake(SSLServerSocket listener) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                SSLSocket socket = (SSLSocket) listener.accept();
                closeAfterTest(socket);
                socket.startHandshake();
                return socket;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, threads);
    }

    void closeAfterTest(AutoCloseable closeable) {
        closeables.add(closeable);
    }

    // ---- child processes ----

    /** A child process whose stderr is captured for failure messages; destroyed after each test. */
    final class PeerProcess {
        final Process process;
        final String command;
        /** The port a server process listens on; 0 for clients. */
        int port;
        private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        /** Completes when the process's stderr has reached its end. */
        private final CompletableFuture<Void> stderrDrained;

        PeerProcess(List<String> command) {
            this.command = String.join(" ", command);
            try {
                process = new ProcessBuilder(command).start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start " + this.command, e);
            }
            stderrDrained = CompletableFuture.runAsync(() -> {
                byte[] chunk = new byte[4096];
                try (InputStream in = process.getErrorStream()) {
                    for (int n; (n = in.read(chunk)) > 0; ) {
                        synchronized (stderr) {
                            stderr.write(chunk, 0, n);
                        }
                    }
                } catch (IOException ignored) {
                    // The process was destroyed; what was captured so far is what there is.
                }
            }, threads);
        }

        OutputStream stdin() {
            return process.getOutputStream();
        }

        InputStream stdout() {
            return process.getInputStream();
        }

        /**
         * What the process wrote to stderr so far; once it has exited, all of it (the copying thread may
         * still hold its last lines when {@code waitFor} returns).
         */
        String stderr() {
            if (!process.isAlive()) {
                try {
                    stderrDrained.get(GUARD_SECONDS, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (ExecutionException | TimeoutException e) {
                    // A descendant keeps the pipe open, or the copy failed: report what there is.
                }
            }
            synchronized (stderr) {
                return stderr.toString(StandardCharsets.UTF_8);
            }
        }

        /** For failure messages: the command and what it said. */
        String describe() {
            return "`" + command + "`" + (process.isAlive() ? "" : " (exited " + process.exitValue() + ")")
                    + ", stderr:\n" + stderr();
        }

        void destroy() {
            process.destroyForcibly();
            try {
                process.waitFor(GUARD_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    PeerProcess start(String... command) {
        PeerProcess process = new PeerProcess(List.of(command));
        processes.add(process);
        return process;
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- openssl ----

    private static final Pattern OPENSSL_VERSION = Pattern.compile("OpenSSL (\\d+)\\.(\\d+)\\.(\\d+)");

    /** The output of {@code openssl version}; fails the test, telling how to fix it, when openssl is missing. */
    static String opensslVersion() {
        try {
            Process process = new ProcessBuilder("openssl", "version").redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!process.waitFor(GUARD_SECONDS, TimeUnit.SECONDS) || process.exitValue() != 0) {
                return fail("`openssl version` failed: " + out);
            }
            return out;
        } catch (IOException e) {
            return fail("the interop tests need the openssl command-line tool, which is not on PATH: install it"
                    + " (Debian/Ubuntu: apt-get install openssl; macOS: brew install openssl) and run again", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail("interrupted while running openssl version");
        }
    }

    /** OpenSSL offers X25519MLKEM768 from 3.5 on (and by default). */
    static boolean opensslHasMlKem() {
        Matcher m = OPENSSL_VERSION.matcher(opensslVersion());
        if (!m.find()) {
            return false;
        }
        int major = Integer.parseInt(m.group(1));
        int minor = Integer.parseInt(m.group(2));
        return major > 3 || major == 3 && minor >= 5;
    }

    /**
     * Starts {@code openssl s_server} on a free port and waits until it listens. Quiet mode: its stdin
     * goes to the client as application data, what it receives comes out on its stdout, and nothing
     * else does; stdin typed commands are off, so binary data passes as it is. It stops its connection
     * when stdin ends, so tests keep stdin open.
     */
    PeerProcess startOpenSslServer(String protocolFlag, Path cert, Path key, String... extra) throws InterruptedException {
        opensslVersion();
        int port = freePort();
        List<String> command = new ArrayList<>(List.of("openssl", "s_server", "-accept", "127.0.0.1:" + port,
                "-cert", cert.toString(), "-key", key.toString(), protocolFlag, "-quiet", "-naccept", "1"));
        command.addAll(List.of(extra));
        PeerProcess server = start(command.toArray(String[]::new));
        server.port = port;
        awaitListening(server, port);
        return server;
    }

    /**
     * In quiet mode s_server prints no ACCEPT line, and a probe connection would use up its one accept:
     * watch the kernel's table of listening sockets instead.
     */
    static void awaitListening(PeerProcess server, int port) throws InterruptedException {
        Waits.awaitTrue(() -> isListening(port), server.command + " listening on port " + port, () -> {
            if (!server.process.isAlive()) {
                fail(server.command + " exited before listening: " + server.describe());
            }
        });
    }

    private static boolean isListening(int port) {
        String hexPort = String.format(":%04X ", port);
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            try {
                for (String line : Files.readAllLines(Path.of(table))) {
                    String[] fields = line.trim().split("\\s+");
                    // local_address is field 1 (ADDR:PORT in hex), st is field 3; 0A is LISTEN.
                    if (fields.length > 3 && (fields[1] + " ").endsWith(hexPort) && fields[3].equals("0A")) {
                        return true;
                    }
                }
            } catch (IOException e) {
                // No such table (no IPv6, or not Linux): look at the other one.
            }
        }
        return false;
    }

    /**
     * Runs a command with its stdin closed (an {@code openssl s_client} then closes its connection and exits)
     * and returns its stdout followed by its stderr.
     */
    String runToExit(List<String> command) {
        PeerProcess process = start(command.toArray(String[]::new));
        try {
            process.stdin().close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String stdout = await(CompletableFuture.supplyAsync(() -> {
            try {
                return new String(process.stdout().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }), "output of " + process.command);
        return stdout + process.stderr();
    }

    /** Checks that {@code future} failed, and returns its cause. */
    static Throwable assertFailed(Future<?> future, String what) throws InterruptedException {
        await(future, what);
        assertTrue(!future.isSuccess(), what + " succeeded, expected it to fail");
        return future.cause();
    }
}
