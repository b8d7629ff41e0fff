package io.sslwrite.interop;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.sslwrite.Renegotiation;
import io.sslwrite.SslRenegotiationEvent;
import io.sslwrite.SslWriteContext;
import io.sslwrite.SslWriteHandler;
import io.sslwrite.SslWriteOption;
import io.sslwrite.testing.Waits;
import io.sslwrite.testing.OpenSslConsole;
import io.sslwrite.testing.TestPki;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * DESIGN §4.6 against OpenSSL: a TLS 1.2 renegotiation typed on {@code openssl s_server}'s or
 * {@code s_client}'s stdin ({@code R}) in the middle of data flowing both ways. OpenSSL aborts with
 * {@code unexpected record} when application data reaches it after its ServerHello, so a handler that
 * wrote during the new handshake would fail these tests.
 *
 * <p>openssl runs without {@code -quiet} so that it takes typed commands; payloads are bytes
 * 0x80..0xFF, which {@link OpenSslConsole} tells apart from openssl's ASCII report on stdout and which
 * openssl never takes for a command. A command is written only once openssl has read (and sslwrite
 * received) everything fed before it, so that openssl reads it alone.
 */
class OpenSslRenegotiationInteropTest extends AbstractInteropTest {

    private static final int MIB = 1 << 20;

    @BeforeEach
    void requireOpenSsl() {
        opensslVersion();
    }

    // ---------------------------------------------------------------------------------------------
    // sslwrite as the client of s_server

    @Test
    void clientKeepsBothSixtyFourMebibyteStreamsIntactThroughThreeRenegotiationsStartedByOpenSslServer()
            throws Exception {
        int size = 64 * MIB;
        byte[] toServer = OpenSslConsole.payload(1, size);
        byte[] toClient = OpenSslConsole.payload(2, size);
        OpenSslPeer server = startTypedOpenSslServer(this, "-tls1_2");

        SslWriteContext context = SslWriteContext.forClient().trustManager(TestPki.caPem()).protocols("TLSv1.2").build();
        Connection client = connect(context, "localhost", server.port(), size);
        StreamProbe probe = StreamProbe.install(client);
        awaitSuccess(client.handler().handshakeFuture(), "handshake with openssl s_server");

        // The client writes its stream at an even pace from the event loop, and once more at each
        // STARTED, so that every renegotiation has writes before, during and after it. s_server's stdin
        // carries its stream in four parts, with a renegotiation typed once the client has received
        // each of the first three (so that s_server reads the command alone).
        PacedWriter writer = PacedWriter.start(client, toServer);
        probe.onStarted(ctx -> writer.writeNext());
        String[] commands = {"R", "r", "R"};
        int part = size / 4;
        for (int i = 0; i < 4; i++) {
            server.write(toClient, i * part, part);
            long fed = (long) (i + 1) * part;
            awaitCondition(() -> probe.received() >= fed, "the client receiving " + fed + " bytes from s_server",
                    server);
            if (i < 3) {
                server.type(commands[i]);
                int renegotiation = i + 1;
                awaitCondition(() -> probe.completed() >= renegotiation, "renegotiation " + renegotiation, server);
            }
        }
        assertTrue(writer.written() < size, "the client's stream was still going after the last renegotiation");

        awaitSuccess(writer.done(), "the client's paced stream");
        assertTrue(server.console.awaitPayload(size, GUARD_SECONDS), "s_server printing all: " + server.describe());
        assertEquals(OpenSslConsole.sha256(toServer, 0, size), server.console.payloadSha256(),
                "sslwrite -> s_server: SHA-256 of what s_server printed");
        assertSameBytes(toClient, client.receiver().awaitDigest(), "s_server -> sslwrite");

        assertEquals(3, client.handler().session().renegotiations());
        assertEquals(List.of(SslHandshakeCompletionEvent.SUCCESS,
                SslRenegotiationEvent.STARTED, SslHandshakeCompletionEvent.SUCCESS, SslRenegotiationEvent.COMPLETED,
                SslRenegotiationEvent.STARTED, SslHandshakeCompletionEvent.SUCCESS, SslRenegotiationEvent.COMPLETED,
                SslRenegotiationEvent.STARTED, SslHandshakeCompletionEvent.SUCCESS, SslRenegotiationEvent.COMPLETED),
                handshakeEvents(client));
        for (long pending : probe.pendingAtCompletion()) {
            assertTrue(pending > 0, "writes made during each renegotiation waited for its end: "
                    + probe.pendingAtCompletion());
        }
        assertEquals(List.of(), client.receiver().exceptions);
        server.assertNoError();

        awaitSuccess(client.channel().close(), "closing the sslwrite client");
    }

    // ---------------------------------------------------------------------------------------------
    // sslwrite as the server of s_client

    @Test
    void serverWithAcceptRenegotiatesWhenOpenSslClientAsksAndHoldsWritesMadeMeanwhileUntilTheEnd()
            throws Exception {
        int part = 8 * MIB;
        byte[] toServer = OpenSslConsole.payload(3, 2 * part);
        byte[] toClient = OpenSslConsole.payload(4, 2 * part + MIB);
        SslWriteContext context = SslWriteContext.forServer(TestPki.serverCertPem(), TestPki.serverKeyPem())
                .protocols("TLSv1.2").option(SslWriteOption.RENEGOTIATION, Renegotiation.ACCEPT).build();
        Server server = serve(context, toServer.length);
        OpenSslPeer client = startTypedOpenSslClient(this, server.port(), "-tls1_2");
        Connection connection = server.accepted();
        // What the server writes when the renegotiation has started: it must wait for the end.
        List<ChannelFuture> duringRenegotiation = new CopyOnWriteArrayList<>();
        StreamProbe probe = StreamProbe.install(connection, ctx -> duringRenegotiation.add(
                ctx.channel().writeAndFlush(Unpooled.wrappedBuffer(toClient, part, MIB))));
        awaitSuccess(connection.handler().handshakeFuture(), "handshake with openssl s_client");

        exchange(client, connection, probe, toServer, 0, part, toClient, 0, part);
        client.type("R");
        awaitCondition(() -> probe.completed() == 1, "the renegotiation s_client asked for", client);
        assertEquals(1, duringRenegotiation.size());
        awaitSuccess(duringRenegotiation.get(0), "the write made during the renegotiation");
        assertTrue(client.console.awaitPayload(part + MIB, GUARD_SECONDS), client.describe());
        exchange(client, connection, probe, toServer, part, part, toClient, part + MIB, part);

        assertEquals(OpenSslConsole.sha256(toClient, 0, toClient.length), client.console.payloadSha256(),
                "sslwrite -> s_client: SHA-256 of what s_client printed");
        assertSameBytes(toServer, connection.receiver().awaitDigest(), "s_client -> sslwrite");
        assertEquals(1, connection.handler().session().renegotiations());
        assertEquals(List.of(SslHandshakeCompletionEvent.SUCCESS, SslRenegotiationEvent.STARTED,
                SslHandshakeCompletionEvent.SUCCESS, SslRenegotiationEvent.COMPLETED), handshakeEvents(connection));
        assertEquals(List.of(), connection.receiver().exceptions);
        assertTrue(client.stderr().contains("RENEGOTIATING"), client.describe());
        client.assertNoError();
    }

    /**
     * DENY (the server default) and IGNORE (which a server treats as DENY): bctls answers the ClientHello
     * with the warning no_renegotiation(100). OpenSSL 3 clients do not go on after it: s_client reports
     * "no renegotiation" and sends a fatal handshake_failure, which the server reports once and closes on.
     */
    @ParameterizedTest(name = "RENEGOTIATION={0}")
    @EnumSource(value = Renegotiation.class, names = {"DENY", "IGNORE"})
    void serverRefusingRenegotiationSendsTheWarningAndOpenSslClientEndsTheConnectionWithHandshakeFailure(
            Renegotiation policy) throws Exception {
        int part = 4 * MIB;
        byte[] toServer = OpenSslConsole.payload(5, part);
        byte[] toClient = OpenSslConsole.payload(6, part);
        SslWriteContext.Builder builder = SslWriteContext.forServer(TestPki.serverCertPem(), TestPki.serverKeyPem())
                .protocols("TLSv1.2");
        if (policy != Renegotiation.DENY) {
            builder.option(SslWriteOption.RENEGOTIATION, policy);
        }
        Server server = serve(builder.build(), toServer.length);
        OpenSslPeer client = startTypedOpenSslClient(this, server.port(), "-tls1_2");
        Connection connection = server.accepted();
        StreamProbe probe = StreamProbe.install(connection);
        awaitSuccess(connection.handler().handshakeFuture(), "handshake with openssl s_client");

        exchange(client, connection, probe, toServer, 0, part, toClient, 0, part);
        assertEquals(OpenSslConsole.sha256(toClient, 0, part), client.console.payloadSha256());
        assertSameBytes(toServer, connection.receiver().awaitDigest(), "s_client -> sslwrite");

        client.type("R");
        await(connection.channel().closeFuture(), "the server closing after s_client's fatal alert");
        assertEquals(1, connection.receiver().exceptions.size(),
                "exceptionCaught once: " + connection.receiver().exceptions);
        String message = connection.receiver().exceptions.get(0).getMessage();
        assertTrue(message.contains("handshake_failure(40)"), "the exception names the peer's alert: " + message);
        assertEquals(List.of(SslHandshakeCompletionEvent.SUCCESS), handshakeEvents(connection), "no renegotiation event");
        assertEquals(0, connection.handler().session().renegotiations());
        assertTrue(client.process.waitFor(GUARD_SECONDS, TimeUnit.SECONDS), "s_client ends: " + client.describe());
        // s_client names the refusal ("no renegotiation") when it prints its error queue before it
        // exits; in some runs it exits first, with only "RENEGOTIATING" printed. Either way it ended
        // the connection with the handshake_failure asserted above, in answer to the server's warning.
        String stderr = client.stderr().toLowerCase(Locale.ROOT);
        assertTrue(stderr.contains("no renegotiation")
                        || (stderr.contains("renegotiating") && client.process.exitValue() != 0),
                "s_client reports the server's refusal: " + client.describe());
    }

    // ---------------------------------------------------------------------------------------------
    // Helpers, shared with the other renegotiation and KeyUpdate interop tests

    /**
     * Feeds {@code toServer[from, from+length)} into s_client's stdin and writes
     * {@code toClient[from2, from2+length2)} from the sslwrite server, and waits until each side has it all.
     */
    static void exchange(OpenSslPeer client, Connection connection, StreamProbe probe, byte[] toServer, int from, int length,
                  byte[] toClient, int from2, int length2) throws Exception {
        long receivedBefore = probe.received();
        long printedBefore = client.console.payloadBytes();
        client.write(toServer, from, length);
        List<ChannelFuture> writes = new ArrayList<>();
        writes.add(connection.channel().writeAndFlush(Unpooled.wrappedBuffer(toClient, from2, length2)));
        connection.awaitWrites(writes);
        awaitCondition(() -> probe.received() >= receivedBefore + length, "sslwrite receiving " + length + " bytes",
                client);
        assertTrue(client.console.awaitPayload(printedBefore + length2, GUARD_SECONDS),
                "s_client printing " + length2 + " bytes: " + client.describe());
    }

    /** Writes {@code bytes[from, from+length)} in 64 KiB writes and returns their futures. */
    static List<ChannelFuture> send(Connection connection, byte[] bytes, int from, int length) {
        List<ChannelFuture> writes = new ArrayList<>();
        for (int offset = from; offset < from + length; offset += 65536) {
            int n = Math.min(65536, from + length - offset);
            writes.add(connection.channel().writeAndFlush(Unpooled.wrappedBuffer(bytes, offset, n)));
        }
        return writes;
    }

    /**
     * {@code openssl s_server} taking typed commands; ready once it has printed ACCEPT. It prints
     * "SSL_do_handshake -> 1" after each command it carried out.
     */
    static OpenSslPeer startTypedOpenSslServer(AbstractInteropTest test, String protocolFlag, String... extra)
            throws InterruptedException {
        int port = freePort();
        List<String> command = new ArrayList<>();
        if (java.nio.file.Files.isExecutable(java.nio.file.Path.of("/usr/bin/stdbuf"))) {
            // Line-buffered stdout: s_server's answer to a typed command shows as soon as it is printed.
            command.addAll(List.of("/usr/bin/stdbuf", "-oL"));
        }
        command.addAll(List.of("openssl", "s_server", "-accept", "127.0.0.1:" + port,
                "-cert", TestPki.serverCertPem().toString(), "-key", TestPki.serverKeyPem().toString(),
                protocolFlag, "-naccept", "1"));
        command.addAll(List.of(extra));
        OpenSslPeer server = new OpenSslPeer(test.start(command.toArray(String[]::new)), port);
        if (!server.console.awaitText("ACCEPT", GUARD_SECONDS)) {
            fail("openssl s_server did not start listening: " + server.describe());
        }
        return server;
    }

    /** {@code openssl s_client} taking typed commands, verifying the test CA and the name localhost. */
    static OpenSslPeer startTypedOpenSslClient(AbstractInteropTest test, int port, String protocolFlag,
                                               String... extra) {
        List<String> command = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port,
                "-CAfile", TestPki.caPem().toString(), "-servername", "localhost", "-verify_hostname", "localhost",
                "-verify_return_error", protocolFlag));
        command.addAll(List.of(extra));
        return new OpenSslPeer(test.start(command.toArray(String[]::new)), port);
    }

    /** An openssl process with a typed-command stdin and a {@link OpenSslConsole} on its stdout. */
    static final class OpenSslPeer {
        final PeerProcess peer;
        final Process process;
        final OpenSslConsole console;
        private final int port;

        OpenSslPeer(PeerProcess peer, int port) {
            this.peer = peer;
            this.process = peer.process;
            this.port = port;
            this.console = OpenSslConsole.reading(peer.stdout(), "openssl");
        }

        int port() {
            return port;
        }

        /** Payload bytes for the TLS peer, written and flushed before this returns. */
        void write(byte[] bytes, int from, int length) throws IOException {
            OutputStream in = peer.stdin();
            for (int offset = from; offset < from + length; offset += 65536) {
                in.write(bytes, offset, Math.min(65536, from + length - offset));
            }
            in.flush();
        }

        /** A command line: {@code R}, {@code r}, {@code k}, {@code K}. One write, so it is read in one piece. */
        void type(String command) throws IOException {
            OutputStream in = peer.stdin();
            in.write((command + "\n").getBytes(StandardCharsets.US_ASCII));
            in.flush();
        }

        String stderr() {
            return peer.stderr();
        }

        /** How often {@code text} occurs in openssl's report, stdout and stderr. */
        int count(String text) {
            String all = console.text() + "\n" + stderr();
            return all.split(java.util.regex.Pattern.quote(text), -1).length - 1;
        }

        String describe() {
            return peer.describe() + "\nstdout text:\n" + console.text();
        }

        /** openssl reported no TLS error: no alert, no unexpected record or message, no ERROR line. */
        void assertNoError() {
            String all = (stderr() + "\n" + console.text()).toLowerCase(Locale.ROOT);
            for (String sign : List.of("unexpected", "alert", "error:", "\nerror")) {
                assertFalse(all.contains(sign), "openssl reported '" + sign.trim() + "': " + describe());
            }
        }
    }

    /** Waits for {@code condition}, polling; a hang guard, not a timing assertion. */
    static void awaitCondition(BooleanSupplier condition, String what, OpenSslPeer peer) throws InterruptedException {
        try {
            Waits.awaitTrue(condition, what);
        } catch (AssertionError hang) {
            fail(hang.getMessage() + "; openssl: " + peer.describe());
        }
    }

    /**
     * The handshake and renegotiation events the connection's pipeline saw, from its start: read from the
     * receiver, which is there from the channel's creation, since the probe is added only once the test
     * thread has the accepted connection, and a loaded machine may let the first handshake finish first.
     */
    static List<Object> handshakeEvents(Connection connection) {
        return connection.receiver().events.stream()
                .filter(e -> e instanceof SslHandshakeCompletionEvent || e instanceof SslRenegotiationEvent)
                .collect(java.util.stream.Collectors.toList());
    }

    /**
     * Sits between the sslwrite handler and the {@link Receiver}: counts the plaintext that passes,
     * and at each {@link SslRenegotiationEvent#STARTED} notes the plaintext the
     * handler still had queued and runs an optional action on the event loop.
     */
    static final class StreamProbe extends ChannelInboundHandlerAdapter {
        private final SslWriteHandler handler;
        private volatile Consumer<ChannelHandlerContext> onStarted;
        private final List<Long> pendingAtStart = new CopyOnWriteArrayList<>();
        private final List<Long> pendingAtCompletion = new CopyOnWriteArrayList<>();
        private volatile long received;
        private volatile int completed;

        private StreamProbe(SslWriteHandler handler, Consumer<ChannelHandlerContext> onStarted) {
            this.handler = handler;
            this.onStarted = onStarted;
        }

        static StreamProbe install(Connection connection) {
            return install(connection, ctx -> { });
        }

        static StreamProbe install(Connection connection, Consumer<ChannelHandlerContext> onStarted) {
            StreamProbe probe = new StreamProbe(connection.handler(), onStarted);
            String receiver = connection.channel().pipeline().context(connection.receiver()).name();
            connection.channel().pipeline().addBefore(receiver, "stream-probe", probe);
            return probe;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            received += ((ByteBuf) msg).readableBytes();
            ctx.fireChannelRead(msg);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt == SslRenegotiationEvent.STARTED) {
                pendingAtStart.add(handler.pendingOutboundBytes());
                onStarted.accept(ctx);
            } else if (evt == SslRenegotiationEvent.COMPLETED) {
                // Fired before the handler sends what waited: this is what the renegotiation held back.
                pendingAtCompletion.add(handler.pendingOutboundBytes());
                completed++;
            }
            ctx.fireUserEventTriggered(evt);
        }

        long received() {
            return received;
        }

        int completed() {
            return completed;
        }

        List<Long> pendingAtStart() {
            return List.copyOf(pendingAtStart);
        }

        List<Long> pendingAtCompletion() {
            return List.copyOf(pendingAtCompletion);
        }

        /** Replaces the action run at each STARTED. */
        void onStarted(Consumer<ChannelHandlerContext> action) {
            onStarted = action;
        }
    }

    /**
     * Writes a stream from the channel's event loop, one 32 KiB write per millisecond while less than
     * 128 KiB is queued, so that the peer's socket is not always busy and it reads typed commands
     * soon; {@link #writeNext()} adds a write of the same stream at any moment.
     */
    static final class PacedWriter {
        private static final int CHUNK = 32 << 10;
        private static final long MAX_QUEUED = 128 << 10;

        private final Connection connection;
        private final byte[] stream;
        private final io.netty.util.concurrent.Promise<Void> done;
        private io.netty.util.concurrent.ScheduledFuture<?> ticks;
        private volatile int written;
        private int outstanding;
        private boolean failed;

        private PacedWriter(Connection connection, byte[] stream) {
            this.connection = connection;
            this.stream = stream;
            this.done = connection.channel().eventLoop().newPromise();
        }

        static PacedWriter start(Connection connection, byte[] stream) {
            PacedWriter writer = new PacedWriter(connection, stream);
            writer.ticks = connection.channel().eventLoop().scheduleAtFixedRate(() -> {
                if (connection.handler().pendingOutboundBytes() < MAX_QUEUED) {
                    writer.writeNext();
                }
            }, 0, 1, TimeUnit.MILLISECONDS);
            return writer;
        }

        /** The next piece of the stream, if any is left; on the event loop. */
        void writeNext() {
            if (written >= stream.length || failed) {
                return;
            }
            int n = Math.min(CHUNK, stream.length - written);
            outstanding++;
            ChannelFuture f = connection.channel().writeAndFlush(Unpooled.wrappedBuffer(stream, written, n));
            written += n;
            if (written == stream.length) {
                ticks.cancel(false);
            }
            f.addListener(result -> {
                outstanding--;
                if (!result.isSuccess()) {
                    failed = true;
                    ticks.cancel(false);
                    done.tryFailure(result.cause());
                } else if (outstanding == 0 && written == stream.length) {
                    done.trySuccess(null);
                }
            });
        }

        int written() {
            return written;
        }

        /** Succeeds when every write of the stream has; fails with the first failure. */
        io.netty.util.concurrent.Future<Void> done() {
            return done;
        }
    }
}
