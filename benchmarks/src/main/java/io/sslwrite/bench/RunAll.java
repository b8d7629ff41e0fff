package io.sslwrite.bench;

import io.netty.handler.ssl.OpenSsl;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Runs every benchmark of this module for every contestant and prints one Markdown table, also
 * written to {@code results.md} beside the jar. Each JMH benchmark and parameter set runs in its
 * own fork, one after another, so a failing or unsupported combination costs only its own row cell
 * and says why below the table.
 *
 * <p>Sized for a 2-core machine to finish in well under 15 minutes: one fork, short iterations.
 * That is enough to rank the contestants and to see large gaps; differences of a few percent are
 * within the noise of such a run.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar                 # everything
 * java -jar benchmarks/target/benchmarks.jar --quick         # one short iteration each: does it run?
 * java -jar benchmarks/target/benchmarks.jar --only=write,handshake --contestants=SSLWRITE,NETTY_JDK
 * java -jar benchmarks/target/benchmarks.jar --only=files,ttfb  # FileRegion and dynamic record sizing
 * </pre>
 */
public final class RunAll {

    enum Suite { WRITE, LOOPBACK, HANDSHAKE, HANDSHAKECPU, SLOWREADER, FILES, TTFB, FOOTPRINT }

    /** The forked JVMs' flags: fixed heap, room for SslHandler's 512 MiB of ciphertext, no leak sampling. */
    static final List<String> FORK_JVM_ARGS = Stream.concat(Stream.of(
            "-Xms1g", "-Xmx1g", "-XX:MaxDirectMemorySize=2g",
            "-Dio.netty.leakDetection.level=disabled",
            // Lets Netty allocate direct memory itself and count it (PlatformDependent.usedDirectMemory()).
            "-Dio.netty.tryReflectionSetAccessible=true",
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED"), Tls.JVM_ARGS.stream()).toList();

    /**
     * Warm-up seconds before a write cell is measured. The bctls path needs the most: on a busy
     * 2-core machine its AES-GCM calls reach C2 (and the JDK's AES and GHASH intrinsics) only after
     * several seconds, and until then it runs at a tenth of its speed; SslHandler on SunJSSE gets there
     * in about 2.
     */
    private static final int WRITE_WARMUPS = 6;
    /** The JDK's EC and X25519 code, used by every contestant but OpenSSL, also warms up slowly. */
    private static final int HANDSHAKE_WARMUPS = 5;
    /** Warm-up iterations of 2 s each for the loopback handshakes. */
    private static final int LOOPBACK_HANDSHAKE_WARMUPS = 3;
    private static final double MIB = 1024.0 * 1024.0;

    private final boolean quick;
    private final Set<Suite> suites;
    private final List<Contestant> contestants;
    private final Path outDir;
    private final Path logDir;
    /** Connections of the footprint suite; {@code --footprint-connections=N}. */
    private final int footprintConnections;
    /** Row (benchmark | params | metric) to the cell of each contestant, in the order rows were made. */
    private final Map<String, Map<Contestant, String>> rows = new LinkedHashMap<>();
    private final List<String> notes = new ArrayList<>();
    private String loadAtStart;
    private int runNumber;
    private int runTotal;

    private RunAll(boolean quick, Set<Suite> suites, List<Contestant> contestants, Path outDir, int footprintConnections)
            throws IOException {
        this.quick = quick;
        this.footprintConnections = footprintConnections;
        this.suites = suites;
        this.contestants = contestants;
        this.outDir = outDir;
        this.logDir = outDir.resolve("bench-logs");
        Files.createDirectories(logDir);
    }

    public static void main(String[] args) throws Exception {
        boolean quick = false;
        Set<Suite> suites = EnumSet.allOf(Suite.class);
        List<Contestant> contestants = new ArrayList<>(Arrays.asList(Contestant.values()));
        int footprintConnections = -1;
        for (String arg : args) {
            if (arg.equals("--quick")) {
                quick = true;
            } else if (arg.startsWith("--only=")) {
                suites = EnumSet.noneOf(Suite.class);
                for (String s : arg.substring(7).split(",")) {
                    suites.add(Suite.valueOf(s.trim().toUpperCase(Locale.ROOT)));
                }
            } else if (arg.startsWith("--footprint-connections=")) {
                footprintConnections = Integer.parseInt(arg.substring("--footprint-connections=".length()));
            } else if (arg.startsWith("--contestants=")) {
                contestants.clear();
                for (String s : arg.substring(14).split(",")) {
                    contestants.add(Contestant.valueOf(s.trim().toUpperCase(Locale.ROOT)));
                }
            } else {
                System.err.println("unknown argument " + arg + "; expected --quick, --only=" + Arrays.toString(Suite.values())
                        + ", --contestants=" + Arrays.toString(Contestant.values()) + ", --footprint-connections=N");
                System.exit(2);
            }
        }
        if (footprintConnections < 0) {
            footprintConnections = quick ? FootprintBenchmark.CONNECTIONS_QUICK : FootprintBenchmark.CONNECTIONS;
        }
        new RunAll(quick, suites, contestants, outputDirectory(), footprintConnections).runAll();
    }

    /** Beside the jar ({@code benchmarks/target}), wherever the command was started from. */
    private static Path outputDirectory() throws Exception {
        Path code = Paths.get(RunAll.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        return code.getParent();
    }

    private void runAll() throws Exception {
        Instant started = Instant.now();
        loadAtStart = loadAverage();
        List<Contestant> runnable = new ArrayList<>();
        for (Contestant c : contestants) {
            String reason = Tls.knownUnsupported(c, Tls.GROUP);
            if (reason == null) {
                runnable.add(c);
            } else {
                skip(c + " skipped entirely: " + reason);
            }
        }
        runTotal = (suites.contains(Suite.WRITE) ? runnable.size() * 2 * 2 * 2 : 0)
                + (suites.contains(Suite.LOOPBACK) ? runnable.size() : 0)
                + (suites.contains(Suite.HANDSHAKE) ? runnable.size() * (Tls.HANDSHAKE_GROUPS.size() * 2 * 2 + 2) : 0)
                + (suites.contains(Suite.HANDSHAKECPU) ? runnable.size() : 0)
                + (suites.contains(Suite.SLOWREADER) ? runnable.size() : 0)
                + (suites.contains(Suite.FILES) ? runnable.size() : 0)
                + (suites.contains(Suite.TTFB) ? runnable.size() : 0)
                + (suites.contains(Suite.FOOTPRINT) ? runnable.size() : 0);
        // Fork start-up and set-up cost about 3 s a cell besides the timed iterations.
        long estimate = quick ? runTotal * 5L
                : (suites.contains(Suite.WRITE) ? runnable.size() * 8L * (3 + WRITE_WARMUPS + 3) : 0)
                + (suites.contains(Suite.LOOPBACK) ? runnable.size() * (3 + 6 + 9 + 3L) : 0)
                + (suites.contains(Suite.HANDSHAKE) ? runnable.size() * (long) Tls.HANDSHAKE_GROUPS.size() * 2L
                        * ((3 + HANDSHAKE_WARMUPS + 3) + (3 + LOOPBACK_HANDSHAKE_WARMUPS * 2 + 3 * 2))
                        + runnable.size() * 2L * (3 + HANDSHAKE_WARMUPS + 3) : 0)
                + (suites.contains(Suite.HANDSHAKECPU) ? runnable.size() * 120L : 0)
                + (suites.contains(Suite.SLOWREADER) ? runnable.size() * 15L : 0)
                + (suites.contains(Suite.FILES) ? runnable.size() * 25L : 0)
                + (suites.contains(Suite.TTFB) ? runnable.size() * 40L : 0)
                // Handshakes over loopback, client and server sharing the two cores: about 200 a second.
                + (suites.contains(Suite.FOOTPRINT) ? runnable.size() * (20L + footprintConnections / 150) : 0);
        System.out.println("sslwrite benchmarks: " + runTotal + " runs" + (quick ? " (--quick)" : "")
                + ", about " + (estimate + 59) / 60 + " min; JMH logs in " + logDir);

        if (suites.contains(Suite.WRITE)) {
            for (String method : List.of("encrypt", "encryptAndDecrypt")) {
                for (String size : List.of("16384", "1024")) {
                    for (BufferType type : BufferType.values()) {
                        for (Contestant c : runnable) {
                            writeThroughput(method, size, type, c);
                        }
                    }
                }
            }
        }
        if (suites.contains(Suite.LOOPBACK)) {
            for (Contestant c : runnable) {
                loopback(c);
            }
        }
        if (suites.contains(Suite.HANDSHAKE)) {
            for (CertificateType certificate : CertificateType.values()) {
                for (String group : Tls.HANDSHAKE_GROUPS) {
                    for (Contestant c : runnable) {
                        handshake(group, certificate, c);
                    }
                }
            }
            for (boolean resumed : new boolean[] {false, true}) {
                for (Contestant c : runnable) {
                    tls12Handshake(resumed, c);
                }
            }
            for (CertificateType certificate : CertificateType.values()) {
                for (String group : Tls.HANDSHAKE_GROUPS) {
                    for (Contestant c : runnable) {
                        loopbackHandshake(group, certificate, c);
                    }
                }
            }
        }
        if (suites.contains(Suite.HANDSHAKECPU)) {
            for (Contestant c : runnable) {
                handshakeCpu(c);
            }
        }
        if (suites.contains(Suite.SLOWREADER)) {
            for (Contestant c : runnable) {
                slowReader(c);
            }
        }
        if (suites.contains(Suite.FILES)) {
            for (Contestant c : runnable) {
                files(c);
            }
        }
        if (suites.contains(Suite.TTFB)) {
            for (Contestant c : runnable) {
                ttfb(c);
            }
        }
        if (suites.contains(Suite.FOOTPRINT)) {
            for (Contestant c : runnable) {
                footprint(c);
            }
        }

        String table = render(started);
        System.out.println();
        System.out.println(table);
        Path results = outDir.resolve("results.md");
        Files.writeString(results, table, StandardCharsets.UTF_8);
        System.out.println("written to " + results + " in " + Duration.between(started, Instant.now()).toSeconds() + " s");
    }

    // ---- the suites ----

    private void writeThroughput(String method, String size, BufferType type, Contestant c) throws Exception {
        String params = "messageSize=" + size + ", " + type;
        RunResult r = jmh(WriteThroughputBenchmark.class, method, c, Map.of("messageSize", size, "bufferType", type.name()),
                quick ? 0 : WRITE_WARMUPS, 1, quick ? 1 : 3, 1);
        String bench = "write." + method;
        put(bench, params, "MiB/s", c, r == null ? "failed" : score(r, "%.0f"));
        put(bench, params, "alloc B/MiB", c, r == null ? "failed" : allocPerOp(r));
    }

    private void loopback(Contestant c) throws Exception {
        RunResult r = jmh(LoopbackThroughputBenchmark.class, "transfer", c, Map.of(), quick ? 0 : 2, 3, quick ? 1 : 3, 3);
        String params = LoopbackThroughputBenchmark.MIB_PER_OP + " MiB per op, 16 KiB writes";
        put("loopback.transfer", params, "MiB/s", c, r == null ? "failed" : score(r, "%.0f"));
        put("loopback.transfer", params, "alloc B/MiB (both sides)", c, r == null ? "failed" : allocPerOp(r));
    }

    private void handshake(String group, CertificateType certificate, Contestant c) throws Exception {
        String params = "TLS 1.3, " + group + ", " + describe(certificate) + " certificates";
        if (unsupported("handshake", params, group, certificate, c, "alloc B/handshake")) {
            return;
        }
        RunResult r = jmh(HandshakeBenchmark.class, "handshake", c,
                Map.of("group", group, "certificate", certificate.name()),
                quick ? 0 : HANDSHAKE_WARMUPS, 1, quick ? 1 : 3, 1);
        put("handshake", params, "handshakes/s", c, r == null ? "failed" : score(r, "%.0f"));
        put("handshake", params, "alloc B/handshake", c, r == null ? "failed" : allocPerOp(r));
    }

    private void loopbackHandshake(String group, CertificateType certificate, Contestant c) throws Exception {
        String params = "TLS 1.3, " + group + ", " + describe(certificate) + " certificates, "
                + LoopbackHandshakeBenchmark.CONCURRENCY + " concurrent clients";
        if (unsupported("handshake.loopback", params, group, certificate, c, null)) {
            return;
        }
        RunResult r = jmh(LoopbackHandshakeBenchmark.class, "handshakes", c,
                Map.of("group", group, "certificate", certificate.name()),
                quick ? 0 : LOOPBACK_HANDSHAKE_WARMUPS, 2, quick ? 1 : 3, 2);
        put("handshake.loopback", params, "handshakes/s", c, r == null ? "failed" : score(r, "%.0f"));
    }

    private void handshakeCpu(Contestant c) throws Exception {
        long t0 = System.nanoTime();
        Map<String, String> kv = child(HandshakeCpuBenchmark.class, HandshakeCpuBenchmark.RESULT_PREFIX, "handshake-cpu", c);
        for (CertificateType certificate : CertificateType.values()) {
            for (String group : HandshakeCpuBenchmark.GROUPS) {
                String key = group + "." + certificate;
                String params = "TLS 1.3, " + group + ", " + describe(certificate) + " certificates";
                String inMemory = kv == null ? "failed" : kv.getOrDefault("inMemory." + key, "?");
                put("handshake.cpu", params, "in memory, client+server, handshakes per CPU-s", c, inMemory);
                put("handshake.cpu", params, "loopback server, handshakes per CPU-s", c,
                        kv == null ? "failed" : kv.getOrDefault("loopbackServer." + key, "n/a"));
                put("handshake.cpu", params, "loopback clients, handshakes per CPU-s", c,
                        kv == null ? "failed" : kv.getOrDefault("loopbackClient." + key, "n/a"));
            }
        }
        progress("handshake.cpu " + c + " (" + secondsSince(t0) + " s)");
    }

    /** Puts n/a cells, with the reason under the table, when {@code c} cannot do {@code group}. */
    private boolean unsupported(String bench, String params, String group, CertificateType certificate, Contestant c,
                                String allocMetric) {
        String reason = Tls.knownUnsupported(c, group, certificate);
        if (reason == null) {
            return false;
        }
        progress(bench + " " + params + " " + c + ": skipped, " + reason);
        String note = bench + ", " + c + ": " + reason;
        if (!notes.contains(note)) {
            skip(note);
        }
        put(bench, params, "handshakes/s", c, "n/a");
        if (allocMetric != null) {
            put(bench, params, allocMetric, c, "n/a");
        }
        return true;
    }

    private static String describe(CertificateType certificate) {
        return certificate == CertificateType.RSA_2048 ? "RSA 2048" : "EC P-256";
    }

    /** TLS 1.2 handshakes, full and resumed by session ID, beside the TLS 1.3 ones. */
    private void tls12Handshake(boolean resumed, Contestant c) throws Exception {
        String params = "TLS 1.2, x25519, " + (resumed ? "resumed" : "full");
        String reason = Tls.knownUnsupported(c, Tls.X25519);
        if (reason != null) {
            skip("handshake " + params + ", " + c + ": " + reason);
            put("handshake", params, "handshakes/s", c, "n/a");
            put("handshake", params, "alloc B/handshake", c, "n/a");
            return;
        }
        RunResult r = jmh(ResumedHandshakeBenchmark.class, "handshake", c, Map.of("resumed", String.valueOf(resumed)),
                quick ? 0 : HANDSHAKE_WARMUPS, 1, quick ? 1 : 3, 1);
        put("handshake", params, "handshakes/s", c, r == null ? "failed" : score(r, "%.0f"));
        put("handshake", params, "alloc B/handshake", c, r == null ? "failed" : allocPerOp(r));
    }

    private void slowReader(Contestant c) throws Exception {
        String label = "slowreader " + c;
        long t0 = System.nanoTime();
        List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(FORK_JVM_ARGS);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(SlowReaderMemoryBenchmark.class.getName());
        command.add(c.name());
        Path log = logDir.resolve("slowreader-" + c + ".log");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        int exit = p.waitFor();
        Map<String, String> kv = null;
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            if (line.startsWith(SlowReaderMemoryBenchmark.RESULT_PREFIX)) {
                kv = new LinkedHashMap<>();
                for (String pair : line.substring(SlowReaderMemoryBenchmark.RESULT_PREFIX.length()).split(" ")) {
                    int eq = pair.indexOf('=');
                    kv.put(pair.substring(0, eq), pair.substring(eq + 1));
                }
            }
        }
        String params = SlowReaderMemoryBenchmark.WRITES + " x 1 MiB flushed at once, reader at "
                + (SlowReaderMemoryBenchmark.READ_BYTES_PER_SECOND >> 20) + " MiB/s";
        String bench = "slowreader";
        if (exit != 0 || kv == null) {
            String why = firstError(log);
            progress(label + ": failed (" + why + ")");
            skip(label + " failed: " + why + " (log: " + log + ")");
            put(bench, params, "peak direct in buffers MiB", c, "failed");
            return;
        }
        put(bench, params, "peak direct in buffers MiB", c, mib(kv.get("peakDirectInBuffersBytes")));
        put(bench, params, "peak pooled direct (4 MiB chunks) MiB", c, mib(kv.get("peakPooledDirectBytes")));
        put(bench, params, "peak Netty direct counter MiB", c, mib(kv.get("peakNettyDirectBytes")));
        put(bench, params, "live heap after flush MiB", c, mib(kv.get("liveHeapAfterFlushBytes")));
        put(bench, params, "peak heap (sampled, with garbage) MiB", c, mib(kv.get("peakHeapBytes")));
        put(bench, params, "ciphertext queued after flush MiB", c, mib(kv.get("ciphertextQueuedAfterFlushBytes")));
        put(bench, params, "plaintext queued after flush MiB", c, mib(kv.get("plaintextQueuedAfterFlushBytes")));
        put(bench, params, "event loop blocked in flush() ms", c, kv.get("flushBlockedLoopMillis"));
        put(bench, params, "achieved read MiB/s", c, kv.get("readMiBPerSecond"));
        progress(label + ": peak direct in buffers " + mib(kv.get("peakDirectInBuffersBytes")) + " MiB, pooled "
                + mib(kv.get("peakPooledDirectBytes")) + " MiB (" + secondsSince(t0) + " s)");
    }

    private void files(Contestant c) throws Exception {
        long t0 = System.nanoTime();
        Map<String, String> kv = child(FileServeBenchmark.class, FileServeBenchmark.RESULT_PREFIX, "files", c);
        String bench = "files";
        int measured = quick ? FileServeBenchmark.MEASURED_QUICK : FileServeBenchmark.MEASURED;
        String params = (FileServeBenchmark.FILE_SIZE >> 30) + " GiB file, new connection per transfer; SSLWRITE one "
                + "DefaultFileRegion, others ChunkedWriteHandler + ChunkedNioFile (" + (FileServeBenchmark.CHUNK_SIZE >> 10)
                + " KiB chunks)";
        if (kv == null) {
            put(bench, params, "MiB/s (median of " + measured + ")", c, "failed");
            return;
        }
        put(bench, params, "MiB/s (median of " + measured + ")", c, kv.get("medianMiBPerSecond"));
        put(bench, params, "MiB/s (min..max)", c, kv.get("minMiBPerSecond") + ".." + kv.get("maxMiBPerSecond"));
        put(bench, params, "peak server direct, live bytes MiB", c, mib(kv.get("peakServerDirectBytes")));
        put(bench, params, "peak JDK direct buffer pool MiB", c, mib(kv.get("peakJdkDirectBytes")));
        put(bench, params, "SHA-256 of received bytes", c, kv.get("sha256"));
        progress("files " + c + ": " + kv.get("medianMiBPerSecond") + " MiB/s, peak server direct "
                + mib(kv.get("peakServerDirectBytes")) + " MiB (" + secondsSince(t0) + " s)");
    }

    private void ttfb(Contestant c) throws Exception {
        long t0 = System.nanoTime();
        Map<String, String> kv = child(TimeToFirstByteBenchmark.class, TimeToFirstByteBenchmark.RESULT_PREFIX, "ttfb", c);
        String bench = "ttfb";
        String responses = (TimeToFirstByteBenchmark.RESPONSE_BYTES >> 20) + " MiB response every "
                + TimeToFirstByteBenchmark.GAP_MILLIS + " ms on one connection, "
                + (quick ? TimeToFirstByteBenchmark.RESPONSES_QUICK : TimeToFirstByteBenchmark.RESPONSES) + " timed";
        if (kv == null) {
            put(bench, responses, "first byte µs p50", c, "failed");
            return;
        }
        for (String socket : TimeToFirstByteBenchmark.SOCKETS) {
            for (String setting : List.of("off", "on")) {
                String k = socket + "." + setting;
                String params = responses + ", " + (socket.equals("sndbuf")
                        ? "server SO_SNDBUF=" + TimeToFirstByteBenchmark.SMALL_SNDBUF : "default socket buffers")
                        + ", DYNAMIC_RECORD_SIZING " + setting;
                boolean applies = c == Contestant.SSLWRITE || setting.equals("off");
                put(bench, params, "first byte µs p50", c, applies ? kv.get("firstByteP50Micros." + k) : "n/a");
                put(bench, params, "first byte µs p90", c, applies ? kv.get("firstByteP90Micros." + k) : "n/a");
                put(bench, params, "last byte µs p50", c, applies ? kv.get("lastByteP50Micros." + k) : "n/a");
            }
        }
        for (String setting : List.of("off", "on")) {
            String params = TimeToFirstByteBenchmark.STREAM_MIB + " MiB stream, 16 KiB writes, DYNAMIC_RECORD_SIZING " + setting;
            boolean applies = c == Contestant.SSLWRITE || setting.equals("off");
            put("ttfb.stream", params, "MiB/s (median of "
                    + (quick ? TimeToFirstByteBenchmark.STREAMS_QUICK : TimeToFirstByteBenchmark.STREAMS) + ")", c,
                    applies ? kv.get("streamMiBPerSecond." + setting) : "n/a");
        }
        progress("ttfb " + c + ": first byte p50 " + kv.get("firstByteP50Micros.default.off") + " µs off"
                + (c == Contestant.SSLWRITE ? ", " + kv.get("firstByteP50Micros.default.on") + " µs on" : "")
                + " (" + secondsSince(t0) + " s)");
    }

    private void footprint(Contestant c) throws Exception {
        long t0 = System.nanoTime();
        Map<String, String> kv = child(FootprintBenchmark.class, FootprintBenchmark.RESULT_PREFIX, "footprint", c,
                FootprintBenchmark.SERVER_JVM_ARGS, List.of("--connections=" + footprintConnections));
        String bench = "footprint";
        for (String phase : List.of("small", "large")) {
            String params = String.format(Locale.ROOT, "%,d idle connections, after one %s response", footprintConnections,
                    phase.equals("small") ? "1 KiB" : "64 KiB");
            if (kv == null) {
                put(bench, params, "heap B/connection", c, "failed");
                continue;
            }
            put(bench, params, "heap B/connection", c, thousands(kv.get(phase + ".heapPerConnection")));
            put(bench, params, "direct in buffers B/connection", c, thousands(kv.get(phase + ".directInBuffersPerConnection")));
            put(bench, params, "Netty direct counter B/connection", c, thousands(kv.get(phase + ".nettyDirectPerConnection")));
            put(bench, params, "JDK direct buffer pool B/connection", c, thousands(kv.get(phase + ".jdkDirectPerConnection")));
            put(bench, params, "RSS B/connection", c, thousands(kv.get(phase + ".rssPerConnection")));
        }
        if (kv != null) {
            progress("footprint " + c + ": heap " + thousands(kv.get("small.heapPerConnection")) + " / "
                    + thousands(kv.get("large.heapPerConnection")) + " B per connection after 1 / 64 KiB ("
                    + secondsSince(t0) + " s)");
        }
    }

    private static String thousands(String number) {
        if (number == null) {
            return "?";
        }
        try {
            return String.format(Locale.ROOT, "%,d", Long.parseLong(number));
        } catch (NumberFormatException e) {
            return number;
        }
    }

    private Map<String, String> child(Class<?> benchmark, String prefix, String name, Contestant c) throws Exception {
        return child(benchmark, prefix, name, c, List.of(), List.of());
    }

    /**
     * Runs {@code main(contestant)} of {@code benchmark} in a JVM of its own and returns the
     * {@code key=value} pairs of the line it printed after {@code prefix}; {@code null}, with a note
     * under the table, if it failed.
     */
    private Map<String, String> child(Class<?> benchmark, String prefix, String name, Contestant c,
                                      List<String> jvmArgs, List<String> args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(FORK_JVM_ARGS);
        command.addAll(jvmArgs); // later flags win over FORK_JVM_ARGS's
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(benchmark.getName());
        command.add(c.name());
        command.addAll(args);
        if (quick) {
            command.add("--quick");
        }
        Path log = logDir.resolve(name + "-" + c + ".log");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        int exit = p.waitFor();
        Map<String, String> kv = null;
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            if (line.startsWith(prefix)) {
                kv = new LinkedHashMap<>();
                for (String pair : line.substring(prefix.length()).split(" ")) {
                    int eq = pair.indexOf('=');
                    kv.put(pair.substring(0, eq), pair.substring(eq + 1));
                }
            }
        }
        if (exit != 0 || kv == null) {
            String why = firstError(log);
            progress(name + " " + c + ": failed (" + why + ")");
            skip(name + " " + c + " failed: " + why + " (log: " + log + ")");
            return null;
        }
        return kv;
    }

    // ---- JMH ----

    private RunResult jmh(Class<?> benchmark, String method, Contestant c, Map<String, String> params,
                          int warmups, int warmupSeconds, int measurements, int measurementSeconds) throws Exception {
        String label = benchmark.getSimpleName() + "." + method + " " + c + " " + params;
        long t0 = System.nanoTime();
        Path log = logDir.resolve((benchmark.getSimpleName() + "-" + method + "-" + c + "-"
                + String.join("-", params.values())).replaceAll("[^A-Za-z0-9._-]", "_") + ".log");
        ChainedOptionsBuilder ob = new OptionsBuilder()
                .include("^" + Pattern.quote(benchmark.getName() + "." + method) + "$")
                .param("contestant", c.name())
                .forks(1)
                .warmupIterations(warmups)
                .warmupTime(TimeValue.seconds(warmupSeconds))
                .measurementIterations(measurements)
                .measurementTime(quick ? TimeValue.milliseconds(500) : TimeValue.seconds(measurementSeconds))
                .jvmArgsAppend(FORK_JVM_ARGS.toArray(new String[0]))
                .addProfiler(GCProfiler.class)
                .shouldFailOnError(false)
                .output(log.toString());
        params.forEach(ob::param);
        RunResult result = null;
        try {
            for (RunResult r : new Runner(ob.build()).run()) {
                result = r;
            }
        } catch (Exception e) {
            notes.add(label + ": " + e);
        }
        if (result == null) {
            String why = firstError(log);
            progress(label + ": failed (" + why + ")");
            skip(label + " failed: " + why + " (log: " + log + ")");
            return null;
        }
        Result primary = result.getPrimaryResult();
        BenchmarkParams bp = result.getParams();
        progress(label + ": " + String.format(Locale.ROOT, "%.1f", primary.getScore()) + " " + primary.getScoreUnit()
                + ", alloc " + allocPerOp(result) + " B/op (" + secondsSince(t0) + " s, " + bp.getMeasurement().getCount()
                + " iterations)");
        return result;
    }

    private static String score(RunResult r, String format) {
        Result p = r.getPrimaryResult();
        String score = String.format(Locale.ROOT, format, p.getScore());
        double error = p.getScoreError();
        return Double.isNaN(error) ? score : score + " ± " + String.format(Locale.ROOT, format, error);
    }

    private static String allocPerOp(RunResult r) {
        for (Map.Entry<String, Result> e : r.getSecondaryResults().entrySet()) {
            if (e.getKey().endsWith("gc.alloc.rate.norm")) {
                return String.format(Locale.ROOT, "%,.0f", e.getValue().getScore());
            }
        }
        return "?";
    }

    /** The first line that says what went wrong, from a JMH or child-JVM log. */
    private static String firstError(Path log) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(Files.newInputStream(log), StandardCharsets.UTF_8))) {
            String previous = null;
            for (String line; (line = in.readLine()) != null; ) {
                String t = line.trim();
                if (previous != null && previous.equals("<failure>") && !t.isEmpty()) {
                    return t;
                }
                if (!t.isEmpty()) {
                    previous = t;
                }
                if (t.startsWith("Exception in thread") || t.matches("^[a-zA-Z.]+(Exception|Error)(: .*)?$")) {
                    return t;
                }
            }
        } catch (IOException e) {
            return "no log: " + e;
        }
        return "see log";
    }

    // ---- the table ----

    private void put(String benchmark, String params, String metric, Contestant c, String cell) {
        rows.computeIfAbsent(benchmark + " | " + params + " | " + metric, k -> new EnumMap<>(Contestant.class)).put(c, cell);
    }

    private void skip(String note) {
        notes.add(note);
    }

    private String render(Instant started) {
        StringBuilder sb = new StringBuilder();
        sb.append("| benchmark | params | metric | ")
                .append(contestants.stream().map(Enum::name).collect(Collectors.joining(" | "))).append(" |\n");
        sb.append("|---|---|---|").append("---:|".repeat(contestants.size())).append('\n');
        rows.forEach((row, cells) -> {
            sb.append("| ").append(row).append(" |");
            for (Contestant c : contestants) {
                sb.append(' ').append(cells.getOrDefault(c, "")).append(" |");
            }
            sb.append('\n');
        });
        sb.append('\n');
        sb.append("JDK ").append(System.getProperty("java.vm.name")).append(' ').append(System.getProperty("java.runtime.version"))
                .append(", ").append(cpuModel()).append(", ").append(Runtime.getRuntime().availableProcessors()).append(" cores; ")
                .append(OpenSsl.isAvailable() ? "netty-tcnative " + OpenSsl.versionString() : "no netty-tcnative").append(".\n");
        sb.append(Tls.STACKS).append(".\n");
        sb.append("JMH 1.37, 1 fork per cell, ").append(quick ? "--quick: 1 short iteration (smoke test, not a measurement)"
                : "warm-up then measured: write " + WRITE_WARMUPS + "x1 s + 3x1 s, handshake " + HANDSHAKE_WARMUPS
                        + "x1 s + 3x1 s, handshake.loopback " + LOOPBACK_HANDSHAKE_WARMUPS
                        + "x2 s + 3x2 s, loopback 2x3 s + 3x3 s").append(", `-prof gc`; ± is JMH's 99.9% error.\n");
        sb.append("Load average before / after the run: ").append(loadAtStart).append(" / ").append(loadAverage())
                .append(" (anything above the core count means the numbers shared the CPU;")
                .append(" a ± as large as the score means the iterations disagreed: JIT still warming up or CPU taken away).\n");
        sb.append("All TLS 1.3, TLS_AES_128_GCM_SHA256, " + Tls.GROUP + " and EC P-256 certificates unless stated; allocator PooledByteBufAllocator.DEFAULT (files: see below); ")
                .append("run took ").append(Duration.between(started, Instant.now()).toSeconds()).append(" s.\n");
        if (suites.contains(Suite.HANDSHAKE)) {
            sb.append("handshake: client and server on one thread, in memory; handshake.loopback: NIO sockets on 127.0.0.1, ")
                    .append("server on one event loop, ").append(LoopbackHandshakeBenchmark.CONCURRENCY)
                    .append(" clients in flight on the other, counted when the server's handshake completes; ")
                    .append("both full TLS 1.3 handshakes (no resumption), the server certificate checked against its CA.\n");
        }
        if (suites.contains(Suite.HANDSHAKECPU)) {
            sb.append("handshake.cpu: not JMH, one JVM per contestant; handshakes per CPU-second of the thread(s) doing them ")
                    .append("(in memory: the one thread, both sides; loopback: the server's event loop, and the clients'), ")
                    .append("median of 3 rounds of 1 CPU-s after a warm-up of at least 4 CPU-s that lasts until two rounds agree within 10%: what a handshake costs whatever the load.\n");
        }
        if (suites.contains(Suite.FILES)) {
            sb.append("files: not JMH, one JVM per contestant; 1 warm-up transfer (its bytes checked by SHA-256) then ")
                    .append(quick ? FileServeBenchmark.MEASURED_QUICK : FileServeBenchmark.MEASURED).append(" timed, each from the server's write to the client's last byte. ")
                    .append("Peak server direct = `metric().usedDirectMemory()` of an `UnpooledByteBufAllocator(true)` set as the ")
                    .append("server channels' ALLOCATOR: live direct bytes, no pooling (the client reads from the pooled default); ")
                    .append("the JDK direct buffer pool is process-wide, sampled every 2 ms.\n");
        }
        if (suites.contains(Suite.TTFB)) {
            sb.append("ttfb: not JMH, one JVM per contestant; time from just before the server's writeAndFlush of a ")
                    .append(TimeToFirstByteBenchmark.RESPONSE_BYTES >> 20).append(" MiB heap buffer to the client's first ")
                    .append("channelRead of plaintext, on one connection, ")
                    .append(quick ? TimeToFirstByteBenchmark.WARM_UP_RESPONSES_QUICK : TimeToFirstByteBenchmark.WARM_UP_RESPONSES)
                    .append(" untimed then ").append(quick ? TimeToFirstByteBenchmark.RESPONSES_QUICK : TimeToFirstByteBenchmark.RESPONSES)
                    .append(" timed, ")
                    .append(TimeToFirstByteBenchmark.GAP_MILLIS).append(" ms apart with DYNAMIC_RECORD_IDLE_MILLIS=")
                    .append(TimeToFirstByteBenchmark.IDLE_MILLIS).append(" (every response starts a new burst; threshold default 128 KiB). ")
                    .append("SO_SNDBUF=").append(TimeToFirstByteBenchmark.SMALL_SNDBUF)
                    .append(" rows limit the server's send buffer (Linux doubles it) so a full record needs several round trips on loopback's 64 KiB MTU. ")
                    .append("SslHandler has no dynamic record sizing: its \"on\" cells are n/a.\n");
        }
        if (suites.contains(Suite.FOOTPRINT)) {
            sb.append("footprint: not JMH; per contestant a server JVM (").append(FootprintBenchmark.SERVER_THREADS)
                    .append(" event loops, ").append(String.join(" ", FootprintBenchmark.SERVER_JVM_ARGS))
                    .append(") and a client JVM it starts; ").append(String.format(Locale.ROOT, "%,d", footprintConnections))
                    .append(" connections opened ").append(FootprintClient.IN_FLIGHT).append(" at a time, each one ")
                    .append(FootprintBenchmark.REQUEST_BYTES).append("-byte request and a 1 KiB response, then one more request ")
                    .append("and a 64 KiB response each; server memory after System.gc() minus the same before the connections ")
                    .append("(after ").append(FootprintBenchmark.WARM_UP_CONNECTIONS).append(" warm-up connections came and went), ")
                    .append("divided by the connections.\n");
        }
        if (!notes.isEmpty()) {
            sb.append('\n');
            for (String n : notes) {
                sb.append("- ").append(n).append('\n');
            }
        }
        return sb.toString();
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(new File("/proc/cpuinfo").toPath())) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException ignored) {
            // Not Linux: the table just lacks the CPU's name.
        }
        return System.getProperty("os.arch");
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Paths.get("/proc/loadavg")).trim().split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static String mib(String bytes) {
        if (bytes == null) {
            return "?";
        }
        long b = Long.parseLong(bytes);
        return b < 0 ? "n/a" : String.format(Locale.ROOT, b < 10 * MIB ? "%.2f" : "%.0f", b / MIB);
    }

    private void progress(String line) {
        System.out.println("[" + (++runNumber) + "/" + runTotal + "] " + line);
    }

    private static long secondsSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000_000L;
    }
}
