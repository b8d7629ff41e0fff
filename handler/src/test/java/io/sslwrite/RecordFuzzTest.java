package io.sslwrite;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import io.sslwrite.testing.LeakDetectionExtension;
import io.sslwrite.testing.RecordMutator;
import io.sslwrite.testing.TestPki;
import io.sslwrite.testing.TlsPair;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLException;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * DESIGN §4.7 ("nothing a peer sends can throw out of the event loop, hang the handler or leak a
 * buffer") and §5, under mutation fuzzing: record streams of real conversations, mutated with
 * {@link RecordMutator}, fed to sslwrite handlers on {@code EmbeddedChannel}s.
 *
 * <p>Each case is one seed. From it come the TLS version, the side under test, the mutation (kind,
 * record, numbers) and how the bytes are cut into reads (whole flights, random splits, one byte at a
 * time). A case is one of:
 * <ul>
 *   <li><b>replay</b>: the records one side sent in a recorded conversation, mutated, fed to a fresh
 *       handler of the other side (which never completes a handshake with them: its randoms and keys
 *       are new);</li>
 *   <li><b>live</b>: a fresh client and server talk, and one record on its way to the side under test
 *       is mutated in flight, so that mutations reach every state of a real handshake, application
 *       data and close_notify.</li>
 * </ul>
 * Every case must end, for both handlers, in either the whole conversation (every byte delivered
 * intact) or exactly one {@code exceptionCaught} with an {@link SSLException} and a closed channel, or
 * (for a stream that stops) the handshake timeout or the truncation report of an EOF; plaintext that
 * arrives is always a prefix of what was sent; every write promise completes; no exception escapes
 * ({@code EmbeddedChannel.checkException}, Netty's warnings); nothing hangs (a guard per case); no
 * buffer leaks (PARANOID, checked every {@value #LEAK_CHECK_EVERY} cases, and failing windows
 * re-run case by case to name the seed).
 *
 * <p>System properties: {@code sslwrite.fuzz.cases} (default {@value #DEFAULT_CASES}),
 * {@code sslwrite.fuzz.baseSeed} (default {@value #DEFAULT_BASE_SEED}), and
 * {@code sslwrite.fuzz.seed} to replay one case, whose seed every failure prints. A live case replays
 * its mutation exactly; the handshake's own randomness differs run to run.
 */
class RecordFuzzTest {

    static final int DEFAULT_CASES = 10_000;
    static final long DEFAULT_BASE_SEED = 0x55_4C_57_52_49_54_45L;
    static final int LEAK_CHECK_EVERY = 1000;
    /** Per case: a case that takes longer has hung. */
    static final long HANG_GUARD_SECONDS = 60;
    /** Percentage of live cases; the rest replay recorded flights to a fresh handler. */
    static final int LIVE_PERCENT = 30;
    static final long HANDSHAKE_TIMEOUT_MILLIS = 10_000;
    private static final int MAX_ROUNDS = 1000;

    private static final byte[] CLIENT_PAYLOAD = concat(TlsPair.pattern(0, 5000), TlsPair.pattern(5000, 20_000));
    private static final byte[] SERVER_PAYLOAD = TlsPair.pattern(7, 18_000);

    private static SslWriteContext server;
    private static SslWriteContext client13;
    private static SslWriteContext client12;
    private static Recording recording13;
    private static Recording recording12;
    private static final WarningCollector WARNINGS = new WarningCollector();
    /** Held so that the JUL logger, and the handler on it, are not collected. */
    private static Logger nettyLogger;

    @BeforeAll
    static void recordConversations() throws Exception {
        server = SslWriteContext.forServer(TestPki.serverCertPem(), TestPki.serverKeyPem())
                .option(SslWriteOption.HANDSHAKE_TIMEOUT_MILLIS, HANDSHAKE_TIMEOUT_MILLIS).build();
        client13 = SslWriteContext.forClient().trustManager(TestPki.caPem())
                .option(SslWriteOption.HANDSHAKE_TIMEOUT_MILLIS, HANDSHAKE_TIMEOUT_MILLIS).build();
        client12 = SslWriteContext.forClient().trustManager(TestPki.caPem()).protocols("TLSv1.2")
                .option(SslWriteOption.HANDSHAKE_TIMEOUT_MILLIS, HANDSHAKE_TIMEOUT_MILLIS).build();
        recording13 = Recording.of(client13);
        recording12 = Recording.of(client12);
        nettyLogger = Logger.getLogger("io.netty");
        nettyLogger.addHandler(WARNINGS);
    }

    @AfterAll
    static void removeWarningCollector() {
        if (nettyLogger != null) {
            nettyLogger.removeHandler(WARNINGS);
        }
    }

    @Test
    void everyMutatedRecordStreamEndsInIntactDataOrOneSslExceptionAndAClosedChannel() throws Exception {
        String single = System.getProperty("sslwrite.fuzz.seed");
        long baseSeed = Long.decode(System.getProperty("sslwrite.fuzz.baseSeed", Long.toString(DEFAULT_BASE_SEED)));
        int cases = single != null ? 1 : Integer.getInteger("sslwrite.fuzz.cases", DEFAULT_CASES);
        long[] seeds = new long[cases];
        for (int i = 0; i < cases; i++) {
            seeds[i] = single != null ? Long.decode(single) : new SplittableRandom(baseSeed + i).nextLong();
        }

        Map<String, Integer> outcomes = new TreeMap<>();
        Map<String, Integer> kinds = new TreeMap<>();
        Map<String, Integer> modes = new TreeMap<>();
        Map<String, Long> modeNanos = new TreeMap<>();
        List<String> failures = new ArrayList<>();
        int failed = 0;
        int threads = Integer.getInteger("sslwrite.fuzz.threads", Math.min(2, Runtime.getRuntime().availableProcessors()));
        ExecutorService workers = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "record-fuzz");
            t.setDaemon(true);
            return t;
        });
        long started = System.nanoTime();
        try {
            LeakDetectionExtension.assertNoLeaks();
            // Cases run in windows; at the end of each the leak detector reports what the window leaked.
            for (int windowStart = 0; windowStart < cases; windowStart += LEAK_CHECK_EVERY) {
                int windowEnd = Math.min(cases, windowStart + LEAK_CHECK_EVERY) - 1;
                List<Future<CaseResult>> futures = new ArrayList<>();
                for (int i = windowStart; i <= windowEnd; i++) {
                    long seed = seeds[i];
                    futures.add(workers.submit(() -> runCase(seed)));
                }
                for (int i = windowStart; i <= windowEnd; i++) {
                    long seed = seeds[i];
                    CaseResult result;
                    try {
                        result = futures.get(i - windowStart).get(HANG_GUARD_SECONDS, TimeUnit.SECONDS);
                    } catch (TimeoutException e) {
                        fail("hang: case " + i + " (seed " + hex(seed) + ") did not finish within " + HANG_GUARD_SECONDS
                                + " s; replay with -Dsslwrite.fuzz.seed=" + hex(seed) + "\n" + fuzzStacks());
                        return;
                    }
                    kinds.merge(result.kind, 1, Integer::sum);
                    modes.merge(result.mode, 1, Integer::sum);
                    modeNanos.merge(result.mode, result.nanos, Long::sum);
                    for (String outcome : result.outcomes) {
                        outcomes.merge(outcome, 1, Integer::sum);
                    }
                    if (!result.problems.isEmpty()) {
                        failed++;
                        if (failures.size() < 20) {
                            failures.add("case " + i + " seed " + hex(seed) + " [" + result.description + "]: "
                                    + String.join("; ", result.problems));
                        }
                    }
                }
                String leak = leaks();
                if (leak != null) {
                    failures.add("buffer leak in cases " + windowStart + ".." + windowEnd + ": "
                            + findLeakingSeeds(seeds, windowStart, windowEnd, workers) + "\n" + leak);
                    failed++;
                }
            }
        } finally {
            workers.shutdownNow();
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        StringBuilder report = new StringBuilder()
                .append(String.format("record fuzz: %d cases in %d ms on %d threads (base seed %s)%n", cases, millis, threads,
                        hex(baseSeed)))
                .append("cases per mutation:\n");
        kinds.forEach((k, v) -> report.append(String.format("  %6d  %s%n", v, k)));
        report.append("cases per kind of case (mean time):\n");
        modes.forEach((k, v) -> report.append(String.format("  %6d  %s (%.1f ms)%n", v, k, modeNanos.get(k) / 1e6 / v)));
        report.append("outcomes per handler:\n");
        outcomes.forEach((k, v) -> report.append(String.format("  %6d  %s%n", v, k)));
        System.out.print(report);
        if (failed > 0) {
            fail(failed + " of " + cases + " cases broke the contract; replay one with -Dsslwrite.fuzz.seed=<seed>\n"
                    + String.join("\n", failures) + "\n" + report);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // One case

    /** What one case did and found. */
    static final class CaseResult {
        String kind = "?";
        String mode = "?";
        long nanos;
        String description = "";
        final List<String> outcomes = new ArrayList<>();
        final List<String> problems = new ArrayList<>();
    }

    static CaseResult runCase(long seed) {
        CaseResult result = new CaseResult();
        Random random = new Random(seed);
        boolean tls13 = random.nextBoolean();
        boolean live = random.nextInt(100) < LIVE_PERCENT;
        boolean targetIsClient = random.nextBoolean();
        Recording recording = tls13 ? recording13 : recording12;
        SslWriteContext clientContext = tls13 ? client13 : client12;
        RecordMutator.Kind kind = RecordMutator.Kind.values()[random.nextInt(RecordMutator.Kind.values().length)];
        result.kind = kind.name();
        String prefix = (tls13 ? "TLSv1.3" : "TLSv1.2") + (live ? " live " : " replay ")
                + "to " + (targetIsClient ? "client" : "server") + ": ";
        result.mode = (tls13 ? "TLSv1.3" : "TLSv1.2") + (live ? " live" : " replay") + " to " + (targetIsClient ? "client" : "server");
        long start = System.nanoTime();
        WARNINGS.clear();
        try {
            if (live) {
                runLive(clientContext, recording, targetIsClient, kind, random, result, prefix);
            } else {
                runReplay(clientContext, recording, targetIsClient, kind, random, result, prefix);
            }
        } catch (Throwable t) {
            result.problems.add("escaped: " + describe(t));
        }
        for (String warning : WARNINGS.drain()) {
            result.problems.add("Netty logged: " + warning);
        }
        result.nanos = System.nanoTime() - start;
        return result;
    }

    private static void runReplay(SslWriteContext clientContext, Recording recording, boolean targetIsClient,
                                  RecordMutator.Kind kind, Random random, CaseResult result, String prefix) {
        List<byte[]> records = targetIsClient ? recording.serverToClient : recording.clientToServer;
        RecordMutator.Mutation mutation = RecordMutator.mutate(records, random.nextInt(records.size()), kind, random);
        result.description = prefix + mutation.description();
        Endpoint target = targetIsClient ? new Endpoint("client", clientContext, true) : new Endpoint("server", server, false);
        try {
            drain(target); // a client's ClientHello: the recorded server flights answer another one
            ChannelFuture queued = target.channel.writeAndFlush(Unpooled.wrappedBuffer(TlsPair.pattern(1000)));
            target.writes.add(queued);
            deliver(target, RecordMutator.join(mutation.records()), random);
            drain(target);
            target.checkFailureClosed(result);
            end(List.of(target));
            target.check(result, new byte[0]);
            if (target.handler.handshakeFuture().isSuccess()) {
                result.problems.add(target.name + " completed a handshake with replayed records");
            }
            result.outcomes.add(target.outcome(new byte[0]));
        } finally {
            target.finish();
        }
    }

    private static void runLive(SslWriteContext clientContext, Recording recording, boolean targetIsClient,
                                RecordMutator.Kind kind, Random random, CaseResult result, String prefix) {
        int count = targetIsClient ? recording.serverToClient.size() : recording.clientToServer.size();
        int index = random.nextInt(count);
        Endpoint server = new Endpoint("server", RecordFuzzTest.server, false);
        Endpoint client = new Endpoint("client", clientContext, true);
        Interceptor interceptor = new Interceptor(index, kind, random);
        try {
            client.writes.add(client.channel.write(Unpooled.wrappedBuffer(CLIENT_PAYLOAD, 0, 5000)));
            client.writes.add(client.channel.writeAndFlush(Unpooled.wrappedBuffer(CLIENT_PAYLOAD, 5000, 20_000)));
            server.writes.add(server.channel.writeAndFlush(Unpooled.wrappedBuffer(SERVER_PAYLOAD)));
            boolean closeStarted = false;
            for (int round = 0; round < MAX_ROUNDS; round++) {
                byte[] toServer = drain(client);
                byte[] toClient = drain(server);
                if (!targetIsClient) {
                    toServer = interceptor.apply(toServer);
                } else {
                    toClient = interceptor.apply(toClient);
                }
                deliver(server, toServer, random);
                deliver(client, toClient, random);
                if (!closeStarted && client.channel.isOpen() && server.channel.isOpen()
                        && Arrays.equals(CLIENT_PAYLOAD, server.received.toByteArray())
                        && Arrays.equals(SERVER_PAYLOAD, client.received.toByteArray())) {
                    closeStarted = true;
                    client.channel.close();
                }
                if (!client.hasOutbound() && !server.hasOutbound()) {
                    break;
                }
            }
            result.description = prefix + (interceptor.description != null ? interceptor.description
                    : "record " + index + " never came (" + kind + " not applied)");
            if (interceptor.description == null) {
                result.kind = "none (the conversation ended before record " + index + ")";
            }
            client.checkFailureClosed(result);
            server.checkFailureClosed(result);
            end(List.of(client, server));
            client.check(result, SERVER_PAYLOAD);
            server.check(result, CLIENT_PAYLOAD);
            Endpoint target = targetIsClient ? client : server;
            result.outcomes.add(target.outcome(targetIsClient ? SERVER_PAYLOAD : CLIENT_PAYLOAD));
        } finally {
            client.finish();
            server.finish();
        }
    }

    /**
     * A conversation that has stopped: a handler still handshaking is given its timeout, then every
     * channel still open sees its peer's EOF, as a socket would once the other side gives up.
     */
    private static void end(List<Endpoint> endpoints) {
        for (Endpoint e : endpoints) {
            if (e.channel.isOpen() && !e.handler.handshakeFuture().isDone()) {
                e.channel.advanceTimeBy(HANDSHAKE_TIMEOUT_MILLIS + 1, TimeUnit.MILLISECONDS);
                e.channel.runScheduledPendingTasks();
                e.channel.runPendingTasks();
                drain(e);
            }
        }
        for (Endpoint e : endpoints) {
            if (e.channel.isOpen()) {
                e.channel.unsafe().close(e.channel.unsafe().voidPromise());
                e.channel.runPendingTasks();
                drain(e);
            }
        }
    }

    /** Mutates one record of the stream toward the handler under test, as it passes. */
    static final class Interceptor {
        private final int index;
        private final RecordMutator.Kind kind;
        private final Random random;
        private int seen;
        private boolean cut;
        String description;

        Interceptor(int index, RecordMutator.Kind kind, Random random) {
            this.index = index;
            this.kind = kind;
            this.random = random;
        }

        byte[] apply(byte[] flight) {
            if (cut) {
                return new byte[0];
            }
            if (flight.length == 0 || description != null) {
                return flight;
            }
            List<byte[]> records = RecordMutator.split(flight);
            if (seen + records.size() <= index) {
                seen += records.size();
                return flight;
            }
            RecordMutator.Mutation m = RecordMutator.mutate(records, index - seen, kind, random);
            description = "in flight: " + m.description().replace("record " + (index - seen),
                    "record " + index);
            cut = kind == RecordMutator.Kind.TRUNCATE;
            return RecordMutator.join(m.records());
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Bytes between the handlers

    /** Everything the endpoint wrote to its transport, released. */
    private static byte[] drain(Endpoint e) {
        e.channel.runPendingTasks();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object msg; (msg = e.channel.readOutbound()) != null; ) {
            try {
                if (msg instanceof ByteBuf buf) {
                    out.writeBytes(ByteBufUtil.getBytes(buf));
                } else {
                    throw new AssertionError(e.name + " wrote a " + msg.getClass().getName() + " to its transport");
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }
        return out.toByteArray();
    }

    /**
     * Feeds {@code bytes} to the endpoint as a transport would: in one read, in random pieces, or one
     * byte at a time (short flights only: PARANOID leak tracking makes each read costly). Stops when
     * the channel closes.
     */
    private static void deliver(Endpoint to, byte[] bytes, Random random) {
        if (bytes.length == 0) {
            return;
        }
        int mode = random.nextInt(4);
        for (int offset = 0; offset < bytes.length && to.channel.isOpen(); ) {
            int n = switch (mode) {
                case 0 -> bytes.length;
                case 1 -> bytes.length <= 2000 ? 1 : 1 + random.nextInt(bytes.length);
                default -> 1 + random.nextInt(Math.max(1, Math.min(bytes.length, 6000)));
            };
            n = Math.min(n, bytes.length - offset);
            to.channel.writeInbound(Unpooled.wrappedBuffer(bytes, offset, n));
            offset += n;
        }
        to.channel.runPendingTasks();
    }

    // ---------------------------------------------------------------------------------------------
    // A handler under test and what reached the end of its pipeline

    static final class Endpoint extends ChannelInboundHandlerAdapter {
        final String name;
        final EmbeddedChannel channel;
        final SslWriteHandler handler;
        final ByteArrayOutputStream received = new ByteArrayOutputStream();
        final List<Throwable> exceptions = new ArrayList<>();
        final List<ChannelFuture> writes = new ArrayList<>();
        final List<String> unexpected = new ArrayList<>();

        Endpoint(String name, SslWriteContext context, boolean client) {
            this.name = name;
            channel = new EmbeddedChannel(false, false);
            handler = client ? context.newHandler(channel.alloc(), TlsPair.HOST, 443) : context.newHandler(channel.alloc());
            channel.pipeline().addLast("ssl", handler).addLast("collector", this);
            try {
                channel.register();
                channel.freezeTime();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        boolean hasOutbound() {
            channel.runPendingTasks();
            return !channel.outboundMessages().isEmpty();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof ByteBuf buf) {
                    received.writeBytes(ByteBufUtil.getBytes(buf));
                } else {
                    unexpected.add("channelRead of a " + msg.getClass().getName());
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            exceptions.add(cause);
        }

        /** Right after a failure: exceptionCaught fired, so the channel must be closed already. */
        void checkFailureClosed(CaseResult result) {
            channel.runPendingTasks();
            if (!exceptions.isEmpty() && channel.isOpen()) {
                result.problems.add(name + ": exceptionCaught(" + describe(exceptions.get(0))
                        + ") but the channel is still open");
            }
        }

        /** The invariants, once the conversation has ended. */
        void check(CaseResult result, byte[] expected) {
            channel.runPendingTasks();
            try {
                channel.checkException();
            } catch (Throwable t) {
                result.problems.add(name + ": exception reached the channel: " + describe(t));
            }
            if (exceptions.size() > 1) {
                result.problems.add(name + ": " + exceptions.size() + " exceptionCaught: " + describeAll(exceptions));
            }
            for (Throwable t : exceptions) {
                if (!(t instanceof SSLException)) {
                    result.problems.add(name + ": exceptionCaught with a non-SSLException " + describe(t));
                }
            }
            result.problems.addAll(unexpected);
            if (!handler.handshakeFuture().isDone()) {
                result.problems.add(name + ": handshake future not done after the connection ended");
            }
            if (!handler.sslCloseFuture().isDone()) {
                result.problems.add(name + ": sslCloseFuture not done after the connection ended");
            }
            if (channel.isOpen()) {
                result.problems.add(name + ": channel still open after EOF");
            }
            for (ChannelFuture write : writes) {
                if (!write.isDone()) {
                    result.problems.add(name + ": a write promise never completed (lost write)");
                } else if (!write.isSuccess() && !(write.cause() instanceof SSLException)) {
                    result.problems.add(name + ": a write failed with a non-SSLException " + describe(write.cause()));
                }
            }
            if (handler.pendingOutboundBytes() != 0) {
                result.problems.add(name + ": " + handler.pendingOutboundBytes() + " plaintext bytes still queued");
            }
            byte[] got = received.toByteArray();
            if (got.length > expected.length || !Arrays.equals(got, 0, got.length, expected, 0, got.length)) {
                result.problems.add(name + ": received " + got.length + " plaintext bytes that are not a prefix of the "
                        + expected.length + " bytes sent");
            }
        }

        /** One line that classes how this handler's connection ended. */
        String outcome(byte[] expected) {
            if (!exceptions.isEmpty()) {
                return name + ": " + classify(exceptions.get(0));
            }
            if (!handler.handshakeFuture().isSuccess()) {
                return name + ": handshake failed without exceptionCaught: " + classify(handler.handshakeFuture().cause());
            }
            boolean intact = Arrays.equals(expected, received.toByteArray());
            if (handler.sslCloseFuture().isSuccess()) {
                return name + ": close_notify, data " + (intact ? "complete" : "incomplete");
            }
            return name + ": " + classify(handler.sslCloseFuture().cause()) + ", data " + (intact ? "complete" : "incomplete");
        }

        void finish() {
            try {
                channel.finishAndReleaseAll();
            } catch (Throwable ignored) {
                // Already reported by check().
            }
        }
    }

    private static final Pattern SENT = Pattern.compile("^sent fatal alert (\\w+)\\(");
    private static final Pattern RECEIVED = Pattern.compile("^peer sent fatal alert (\\w+)\\(");

    static String classify(Throwable t) {
        String m = String.valueOf(t.getMessage());
        Matcher sent = SENT.matcher(m);
        if (sent.find()) {
            if (sent.group(1).equals("internal_error")) {
                // What made bctls give up: worth telling apart from a peer's bad bytes.
                Throwable root = t;
                while (root.getCause() != null) {
                    root = root.getCause();
                }
                String why = root.getClass().getSimpleName() + ": " + root.getMessage();
                return "sent fatal alert internal_error (" + (why.length() > 90 ? why.substring(0, 90) : why) + ")";
            }
            return "sent fatal alert " + sent.group(1);
        }
        Matcher received = RECEIVED.matcher(m);
        if (received.find()) {
            return "received fatal alert " + received.group(1);
        }
        if (t instanceof io.netty.handler.ssl.SslHandshakeTimeoutException) {
            return "handshake timeout (stream stopped)";
        }
        if (m.contains("possible truncation")) {
            return "EOF without close_notify";
        }
        if (m.contains("during the handshake")) {
            return "EOF during the handshake";
        }
        return t.getClass().getSimpleName() + ": " + (m.length() > 80 ? m.substring(0, 80) : m);
    }

    // ---------------------------------------------------------------------------------------------
    // The recorded conversation

    /** The records each side sent in one unmutated conversation: handshake, data both ways, close. */
    static final class Recording {
        final List<byte[]> clientToServer;
        final List<byte[]> serverToClient;

        private Recording(List<byte[]> clientToServer, List<byte[]> serverToClient) {
            this.clientToServer = clientToServer;
            this.serverToClient = serverToClient;
        }

        static Recording of(SslWriteContext clientContext) {
            Endpoint client = new Endpoint("client", clientContext, true);
            Endpoint server = new Endpoint("server", RecordFuzzTest.server, false);
            ByteArrayOutputStream c2s = new ByteArrayOutputStream();
            ByteArrayOutputStream s2c = new ByteArrayOutputStream();
            try {
                client.channel.write(Unpooled.wrappedBuffer(CLIENT_PAYLOAD, 0, 5000));
                client.channel.writeAndFlush(Unpooled.wrappedBuffer(CLIENT_PAYLOAD, 5000, 20_000));
                server.channel.writeAndFlush(Unpooled.wrappedBuffer(SERVER_PAYLOAD));
                boolean closeStarted = false;
                for (int round = 0; round < MAX_ROUNDS; round++) {
                    byte[] toServer = drain(client);
                    byte[] toClient = drain(server);
                    c2s.writeBytes(toServer);
                    s2c.writeBytes(toClient);
                    if (toServer.length > 0 && server.channel.isOpen()) {
                        server.channel.writeInbound(Unpooled.wrappedBuffer(toServer));
                    }
                    if (toClient.length > 0 && client.channel.isOpen()) {
                        client.channel.writeInbound(Unpooled.wrappedBuffer(toClient));
                    }
                    if (!closeStarted && Arrays.equals(CLIENT_PAYLOAD, server.received.toByteArray())
                            && Arrays.equals(SERVER_PAYLOAD, client.received.toByteArray())) {
                        closeStarted = true;
                        client.channel.close();
                    }
                    if (toServer.length + toClient.length == 0 && !client.hasOutbound() && !server.hasOutbound()) {
                        break;
                    }
                }
                if (!closeStarted || client.channel.isOpen() || server.channel.isOpen()
                        || !server.handler.sslCloseFuture().isSuccess()) {
                    throw new AssertionError("the unmutated conversation did not complete: client "
                            + client.exceptions + ", server " + server.exceptions);
                }
                return new Recording(RecordMutator.split(c2s.toByteArray()), RecordMutator.split(s2c.toByteArray()));
            } finally {
                client.finish();
                server.finish();
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Leaks, warnings and reporting

    /** Leak records reported since the last check, or null. */
    private static String leaks() {
        try {
            LeakDetectionExtension.assertNoLeaks();
            return null;
        } catch (AssertionError e) {
            return e.getMessage();
        }
    }

    /** Re-runs the cases of a window that leaked, one at a time, to name those that leak. */
    private static String findLeakingSeeds(long[] seeds, int from, int to, ExecutorService workers) throws Exception {
        List<String> leaking = new ArrayList<>();
        for (int i = from; i <= to && leaking.size() < 10; i++) {
            long seed = seeds[i];
            CaseResult r = workers.submit(() -> runCase(seed)).get(HANG_GUARD_SECONDS, TimeUnit.SECONDS);
            if (leaks() != null) {
                leaking.add("case " + i + " seed " + hex(seed) + " [" + r.description + "]");
            }
        }
        return leaking.isEmpty() ? "no single case leaked again when re-run alone" : "leaking: " + leaking;
    }

    /** WARNING and SEVERE records of Netty's loggers (JUL: no other logging backend is on the path). */
    static final class WarningCollector extends Handler {
        /** Per thread: each case runs on one thread, and Netty logs on the thread that calls it. */
        private final Map<Thread, List<String>> records = new java.util.HashMap<>();

        @Override
        public synchronized void publish(LogRecord record) {
            if (record.getLevel().intValue() >= Level.WARNING.intValue()
                    && !String.valueOf(record.getMessage()).startsWith("LEAK")) {
                records.computeIfAbsent(Thread.currentThread(), t -> new ArrayList<>()).add(record.getLoggerName()
                        + ": " + record.getMessage() + (record.getThrown() != null ? " " + describe(record.getThrown()) : ""));
            }
        }

        synchronized void clear() {
            records.remove(Thread.currentThread());
        }

        synchronized List<String> drain() {
            List<String> mine = records.remove(Thread.currentThread());
            return mine == null ? List.of() : mine;
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }

    static String describe(Throwable t) {
        java.io.StringWriter w = new java.io.StringWriter();
        t.printStackTrace(new java.io.PrintWriter(w));
        String s = w.toString();
        return s.length() > 4000 ? s.substring(0, 4000) + "..." : s;
    }

    private static String describeAll(List<Throwable> ts) {
        List<String> out = new ArrayList<>();
        for (Throwable t : ts) {
            out.add(t.getClass().getSimpleName() + ": " + t.getMessage());
        }
        return out.toString();
    }

    private static String fuzzStacks() {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
            if (e.getKey().getName().equals("record-fuzz")) {
                sb.append(e.getKey()).append('\n');
                for (StackTraceElement el : e.getValue()) {
                    sb.append("    at ").append(el).append('\n');
                }
            }
        }
        return sb.toString();
    }

    static String hex(long seed) {
        return String.format("0x%016x", seed);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
