package io.sslwrite.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The field's HTTP clients, {@code h2load} (nghttp2) and {@code wrk}, against one {@link RealClientServer} per
 * contestant, each in its own JVM with one event loop. Run through {@code benchmarks/real-clients.sh}, which
 * builds, installs the clients when missing and raises the descriptor limit:
 *
 * <pre>
 * java -cp benchmarks.jar io.sslwrite.bench.RealClientBenchmark [--quick] [--runs=N] [--only=KEY,...]
 *      [--contestants=SSLWRITE,...] [--port=18440] [--jfr]
 * </pre>
 *
 * <p>Every server is started and warmed up first; then each run takes every workload, and within it every
 * contestant in turn (the first contestant moves by one each run), so a change of load on a shared machine
 * touches all. A cell is the median of the runs. Beside each rate, the server's CPU time (the whole process:
 * event loop, GC and JIT threads) per unit of work, read from the server before and after the client ran: a
 * client sharing the machine slows the rate but changes what the server spends per request far less.
 *
 * <p>Pinned for every contestant: TLS 1.3, TLS_AES_128_GCM_SHA256 and x25519, by the servers
 * ({@link HttpServerTls}) and by the clients, through an OpenSSL configuration file in {@code OPENSSL_CONF}
 * (h2load and wrk both read it; wrk has no cipher option, and its OpenSSL offers AES-256-GCM first, which
 * BoringSSL would follow). No server issues TLS 1.3 session tickets, so nothing resumes: checked before the
 * runs with {@code openssl s_client -sess_out} / {@code -sess_in}. A new-connection row is one handshake per
 * request: {@code h2load -n H -c H -m 1} gives each of H clients one connection and one request, and the server's
 * own count of completed handshakes is checked to equal the requests.
 */
public final class RealClientBenchmark {

    static final int DEFAULT_PORT = 18440;
    private static final int DEFAULT_RUNS = 3;
    private static final long SMALL = 1024;
    private static final long LARGE = 16L * 1024 * 1024;
    /**
     * The servers' JVM flags. The last one turns off the TLS 1.3 session tickets Netty's OpenSSL contexts issue
     * by default (Netty reads SunJSSE's property for its own default); SunJSSE and bctls issue none here anyway
     * ({@link HttpServerTls}).
     */
    /** Handshake warm-up: rounds of this many new connections, one request each. */
    static final int WARM_UP_ROUND = 1000;
    static final int WARM_UP_ROUNDS = 25;
    static final List<String> SERVER_JVM_ARGS = List.of("-Xms1g", "-Xmx1g", "-XX:MaxDirectMemorySize=2g",
            "-Dio.netty.leakDetection.level=disabled", "-Djdk.tls.server.enableSessionTicketExtension=false");

    /** What one client run measured, and what the server counted over it. */
    private record Sample(double rate, double cpuPerUnit, double eventLoopShare, String problem) {
    }

    private enum Client { H2LOAD, WRK }

    /** One row pair of the table: a client command and how its result is read. */
    private record Workload(String key, String label, String rateUnit, String cpuUnit, Client client,
                            List<String> args, long bodyBytes, boolean handshakes) {
    }

    private final boolean quick;
    private final int runs;
    private final List<Contestant> contestants;
    private final int basePort;
    private final boolean jfr;
    private final Keys only;
    private final Path outDir = Paths.get("benchmarks", "target", "real-clients");
    private final Path opensslConf = outDir.resolve("openssl-client.cnf");
    private final Map<Contestant, Process> servers = new EnumMap<>(Contestant.class);
    private final List<String> notes = new ArrayList<>();

    /** The workloads to run, by key; empty for all. */
    private record Keys(List<String> keys) {
        boolean has(String key) {
            return keys.isEmpty() || keys.contains(key);
        }
    }

    private RealClientBenchmark(boolean quick, int runs, List<Contestant> contestants, int basePort, boolean jfr,
                                List<String> only) {
        this.quick = quick;
        this.runs = runs;
        this.contestants = contestants;
        this.basePort = basePort;
        this.jfr = jfr;
        this.only = new Keys(only);
    }

    public static void main(String[] args) throws Exception {
        boolean quick = false;
        boolean jfr = false;
        int runs = -1;
        int port = DEFAULT_PORT;
        List<String> only = List.of();
        List<Contestant> contestants = List.of(Contestant.values());
        for (String a : args) {
            if (a.equals("--quick")) {
                quick = true;
            } else if (a.equals("--jfr")) {
                jfr = true;
            } else if (a.startsWith("--runs=")) {
                runs = Integer.parseInt(a.substring("--runs=".length()));
            } else if (a.startsWith("--port=")) {
                port = Integer.parseInt(a.substring("--port=".length()));
            } else if (a.startsWith("--only=")) {
                only = List.of(a.substring("--only=".length()).split(","));
            } else if (a.startsWith("--contestants=")) {
                contestants = Arrays.stream(a.substring("--contestants=".length()).split(","))
                        .map(Contestant::valueOf).toList();
            } else {
                System.err.println("unknown argument " + a + "; usage: RealClientBenchmark [--quick] [--runs=N]"
                        + " [--only=handshake,h2small,h2large,h1small,h2many,h1many] [--contestants=SSLWRITE,...]"
                        + " [--port=" + DEFAULT_PORT + "] [--jfr]");
                System.exit(2);
            }
        }
        if (runs < 0) {
            runs = quick ? 1 : DEFAULT_RUNS;
        }
        new RealClientBenchmark(quick, runs, contestants, port, jfr, only).run();
    }

    /**
     * The workloads. h2load runs by request count: its timing-based mode ({@code -D}) never ended with 1,000
     * clients here (h2load 1.52 said it had stopped all clients, and they went on sending requests), so every
     * h2load row counts its time from the first connection to the last response, handshakes included.
     */
    private List<Workload> workloads() {
        int scale = quick ? 1 : 5;
        String duration = (quick ? 3 : 10) + "s";
        int newConnections = quick ? 300 : 1000;
        List<Workload> all = new ArrayList<>();
        all.add(new Workload("handshake",
                "new TLS 1.3 connection per request, 1 KiB (h2load -n " + newConnections + " -c " + newConnections
                        + " -m 1" + (quick ? "" : ", 3 times") + ")",
                "handshakes/s", "server CPU ms per 1,000 handshakes", Client.H2LOAD,
                List.of("-n", "" + newConnections, "-c", "" + newConnections, "-m", "1"), SMALL, true));
        String small = "" + 60_000 * scale;
        all.add(new Workload("h2small", "HTTP/2 1 KiB, 100 connections x 10 streams (h2load -n " + small
                + " -c 100 -m 10)", "req/s", "server CPU ms per 1,000 requests", Client.H2LOAD,
                List.of("-n", small, "-c", "100", "-m", "10"), SMALL, false));
        String large = "" + 60 * scale;
        all.add(new Workload("h2large", "HTTP/2 16 MiB bodies, 4 connections (h2load -n " + large + " -c 4 -m 1)",
                "MiB/s", "server CPU ms per 100 MiB", Client.H2LOAD,
                List.of("-n", large, "-c", "4", "-m", "1"), LARGE, false));
        all.add(new Workload("h1small", "HTTP/1.1 keep-alive 1 KiB, 100 connections (wrk -t1 -c100 -d" + duration + ")",
                "req/s", "server CPU ms per 1,000 requests", Client.WRK,
                List.of("-t1", "-c100", "-d" + duration, "--timeout", "10s"), SMALL, false));
        all.add(new Workload("h2many", "HTTP/2 1 KiB, 1,000 connections x 10 streams (h2load -n " + small
                + " -c 1000 -m 10)", "req/s", "server CPU ms per 1,000 requests", Client.H2LOAD,
                List.of("-n", small, "-c", "1000", "-m", "10"), SMALL, false));
        // wrk opens its 1,000 connections inside its timed run: longer, so the handshakes are not most of it.
        String longer = (quick ? 6 : 15) + "s";
        all.add(new Workload("h1many", "HTTP/1.1 keep-alive 1 KiB, 1,000 connections (wrk -t1 -c1000 -d" + longer
                + ")", "req/s", "server CPU ms per 1,000 requests", Client.WRK,
                List.of("-t1", "-c1000", "-d" + longer, "--timeout", "10s"), SMALL, false));
        return all.stream().filter(w -> only.has(w.key)).toList();
    }

    private void run() throws Exception {
        long started = System.nanoTime();
        Files.createDirectories(outDir);
        writeOpensslConf();
        String loadBefore = loadAverage();
        String versions = clientVersions();
        System.out.println("real-clients: load average " + loadBefore + "; " + versions);
        Runtime.getRuntime().addShutdownHook(new Thread(this::stopServers));
        for (Contestant c : contestants) {
            startServer(c);
        }
        for (Contestant c : contestants) {
            checkPinning(c);
        }
        for (Contestant c : contestants) {
            warmUp(c);
        }
        List<Workload> workloads = workloads();
        Map<String, Map<Contestant, List<Sample>>> samples = new LinkedHashMap<>();
        for (int r = 0; r < runs; r++) {
            for (Workload w : workloads) {
                for (int i = 0; i < contestants.size(); i++) {
                    Contestant c = contestants.get((i + r) % contestants.size());
                    Sample s = measure(c, w);
                    samples.computeIfAbsent(w.key, k -> new EnumMap<>(Contestant.class))
                            .computeIfAbsent(c, k -> new ArrayList<>()).add(s);
                    System.out.println(String.format(Locale.ROOT,
                            "real-clients: run %d/%d %-8s %-13s %10.1f %s, %8.2f %s (event loop %.0f%% of it),"
                                    + " load %s%s", r + 1, runs, w.key, c, s.rate, w.rateUnit, s.cpuPerUnit, w.cpuUnit,
                            100 * s.eventLoopShare, loadAverage(), s.problem == null ? "" : ", " + s.problem));
                }
            }
        }
        stopServers();
        String loadAfter = loadAverage();
        String table = table(workloads, samples, versions, loadBefore, loadAfter,
                (System.nanoTime() - started) / 1_000_000_000L);
        System.out.println();
        System.out.println(table);
        Files.writeString(outDir.resolve("results.md"), table);
    }

    // ---- servers ----

    private int port(Contestant c) {
        return basePort + 2 * contestants.indexOf(c);
    }

    private int controlPort(Contestant c) {
        return port(c) + 1;
    }

    private void startServer(Contestant c) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(SERVER_JVM_ARGS);
        if (jfr) {
            command.add("-XX:StartFlightRecording=filename=" + outDir.toAbsolutePath().resolve("server-" + c + ".jfr")
                    + ",settings=profile,dumponexit=true");
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(RealClientServer.class.getName());
        command.add(c.name());
        command.add(Integer.toString(port(c)));
        command.add(Integer.toString(controlPort(c)));
        Path log = outDir.resolve("server-" + c + ".log");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        servers.put(c, p);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (Files.readString(log).lines().noneMatch(l -> l.startsWith("READY"))) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException(c + "'s server did not start; its log, " + log + ":\n"
                        + Files.readString(log));
            }
            Thread.sleep(100);
        }
        System.out.println("real-clients: " + c + " listens on 127.0.0.1:" + port(c) + " (pid " + p.pid() + ")");
    }

    private void stopServers() {
        for (Map.Entry<Contestant, Process> e : servers.entrySet()) {
            Process p = e.getValue();
            if (p.isAlive()) {
                try {
                    control(e.getKey(), "exit");
                } catch (IOException ignored) {
                    // it exits without answering
                }
                try {
                    if (!p.waitFor(30, TimeUnit.SECONDS)) {
                        p.destroyForcibly();
                    }
                } catch (InterruptedException ie) {
                    p.destroyForcibly();
                }
            }
        }
    }

    private Map<String, String> control(Contestant c, String command) throws IOException {
        return RealClientServer.ask(controlPort(c), command);
    }

    private static long num(Map<String, String> kv, String key) {
        return Long.parseLong(kv.get(key));
    }

    // ---- pinning ----

    private void writeOpensslConf() throws IOException {
        Files.writeString(opensslConf, String.join("\n",
                "# The clients' TLS, pinned for every contestant: read by h2load and wrk through OPENSSL_CONF.",
                "openssl_conf = openssl_init",
                "[openssl_init]",
                "ssl_conf = ssl_module",
                "[ssl_module]",
                "system_default = pinned",
                "[pinned]",
                "MinProtocol = TLSv1.3",
                "Ciphersuites = " + Tls.CIPHER_SUITE,
                "Groups = X25519",
                ""));
    }

    /**
     * Checks with {@code openssl s_client}, under the clients' configuration, that the server settles on the
     * pinned suite and group, and that a second connection offering the first's session is not resumed.
     */
    private void checkPinning(Contestant c) throws Exception {
        Path session = outDir.resolve("session-" + c + ".pem");
        Files.deleteIfExists(session);
        String request = "GET /bytes/16 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
        String first = run(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port(c), "-alpn", "http/1.1",
                "-sess_out", session.toString(), "-ign_eof"), request, 30);
        String suite = find(first, "Cipher is (\\S+)");
        String group = find(first, "Server Temp Key: (\\w+)");
        String resumed = "not resumed";
        if (Files.exists(session) && Files.size(session) > 0) {
            String second = run(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port(c), "-alpn",
                    "http/1.1", "-sess_in", session.toString(), "-ign_eof"), request, 30);
            if (second.lines().anyMatch(l -> l.startsWith("Reused"))) {
                resumed = "RESUMED";
            }
        }
        String line = c + ": " + suite + ", " + group + ", a second connection with the first's session " + resumed;
        System.out.println("real-clients: pinning " + line);
        if (!Tls.CIPHER_SUITE.equals(suite) || !group.equals("X25519") || !resumed.equals("not resumed")) {
            notes.add("pinning check failed: " + line);
        }
    }

    private static String find(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        return m.find() ? m.group(1) : "?";
    }

    // ---- clients ----

    private void warmUp(Contestant c) throws Exception {
        int scale = quick ? 1 : 4;
        String url = url(c, SMALL);
        System.out.println("real-clients: warming up " + c);
        run(h2load(List.of("-n", "" + 20_000 * scale, "-c", "10", "-m", "10"), url), null, 300);
        warmUpHandshakes(c, url);
        run(h2load(List.of("-n", "" + 10 * scale, "-c", "2", "-m", "1"), url(c, LARGE)), null, 300);
        run(wrk(List.of("-t1", "-c10", "-d" + 2 * scale + "s", "--timeout", "10s"), url), null, 300);
    }

    /**
     * The handshake path is the last to settle: with bctls, C2 is still compiling its code and BouncyCastle's
     * EC arithmetic after ten thousand handshakes, and until then the server's JIT threads take as much CPU as
     * its event loop (a run right after 3,000 warm-up handshakes measured sslwrite at 1.69 ms of server CPU a
     * handshake, the third run at 0.61). So every engine gets the same {@value #WARM_UP_ROUNDS} rounds of
     * {@value #WARM_UP_ROUND} new connections of one request each, and the first and last round's CPU per
     * handshake and event loop share are printed, to show where the warm-up ended.
     */
    private void warmUpHandshakes(Contestant c, String url) throws Exception {
        int rounds = quick ? 1 : WARM_UP_ROUNDS;
        for (int round = 1; round <= rounds; round++) {
            boolean printed = round == 1 || round == rounds;
            Map<String, String> before = printed ? control(c, "stats") : null;
            // One request per connection, as the handshake workload: every request is a new handshake.
            run(h2load(List.of("-n", "" + WARM_UP_ROUND, "-c", "" + WARM_UP_ROUND, "-m", "1"), url), null, 600);
            if (printed) {
                Map<String, String> after = control(c, "stats");
                long handshakes = Math.max(1, num(after, "handshakes") - num(before, "handshakes"));
                double cpuMs = (num(after, "processCpuNanos") - num(before, "processCpuNanos")) / 1e6;
                double loopMs = (num(after, "eventLoopCpuNanos") - num(before, "eventLoopCpuNanos")) / 1e6;
                System.out.printf(Locale.ROOT, "real-clients: %s warm-up round %d of %d: %.2f ms of server CPU a"
                        + " handshake, event loop %.0f%% of it%n", c, round, rounds, cpuMs / handshakes,
                        100 * loopMs / Math.max(1, cpuMs));
            }
        }
    }

    private String url(Contestant c, long bytes) {
        return "https://127.0.0.1:" + port(c) + "/bytes/" + bytes;
    }

    private static List<String> h2load(List<String> args, String url) {
        List<String> command = new ArrayList<>(List.of("h2load", "--tls13-ciphers=" + Tls.CIPHER_SUITE,
                "--groups=X25519"));
        command.addAll(args);
        command.add(url);
        return command;
    }

    private static List<String> wrk(List<String> args, String url) {
        List<String> command = new ArrayList<>(List.of("wrk"));
        command.addAll(args);
        command.add(url);
        return command;
    }

    private Sample measure(Contestant c, Workload w) throws Exception {
        String url = url(c, w.bodyBytes);
        Map<String, String> before = control(c, "stats");
        double seconds = 0;
        double units = 0;
        List<String> problems = new ArrayList<>();
        int repeats = w.handshakes && !quick ? 3 : 1;
        long requestsDone = 0;
        for (int i = 0; i < repeats; i++) {
            String out = run(w.client == Client.H2LOAD ? h2load(w.args, url) : wrk(w.args, url), null, 300);
            Files.writeString(outDir.resolve("clients.log"), "==== " + c + " " + w.key + "\n" + out,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            if (w.client == Client.H2LOAD) {
                H2loadResult h = H2loadResult.parse(out);
                problems.addAll(h.problems(w.handshakes ? "http/1.1|h2" : "h2"));
                seconds += h.seconds;
                units += w.bodyBytes == LARGE ? h.dataBytes / (1024.0 * 1024) : h.succeeded;
                requestsDone += h.succeeded;
            } else {
                WrkResult r = WrkResult.parse(out);
                problems.addAll(r.problems());
                seconds += r.seconds;
                units += r.requestsPerSecond * r.seconds;
            }
        }
        Map<String, String> after = control(c, "stats");
        double cpuMs = (num(after, "processCpuNanos") - num(before, "processCpuNanos")) / 1e6;
        double loopMs = (num(after, "eventLoopCpuNanos") - num(before, "eventLoopCpuNanos")) / 1e6;
        long requests = num(after, "requests") - num(before, "requests");
        long handshakes = num(after, "handshakes") - num(before, "handshakes");
        long failures = num(after, "failures") - num(before, "failures");
        if (failures > 0) {
            problems.add(failures + " server failures, first: " + after.get("firstFailure"));
        }
        double cpuPerUnit;
        if (w.handshakes) {
            if (handshakes != requestsDone || requests != requestsDone) {
                problems.add("server counted " + handshakes + " handshakes and " + requests + " requests for "
                        + requestsDone + " requests done: not one handshake per request");
            }
            cpuPerUnit = cpuMs / handshakes * 1000;
        } else if (w.bodyBytes == LARGE) {
            double mib = (num(after, "bodyBytes") - num(before, "bodyBytes")) / (1024.0 * 1024);
            cpuPerUnit = cpuMs / mib * 100;
        } else {
            cpuPerUnit = cpuMs / requests * 1000;
        }
        String suites = after.get("suites");
        if (!suites.matches(Tls.CIPHER_SUITE + ":\\d+")) {
            problems.add("suites negotiated: " + suites);
        }
        return new Sample(units / seconds, cpuPerUnit, loopMs / cpuMs,
                problems.isEmpty() ? null : String.join("; ", problems));
    }

    /**
     * Runs {@code command} with the clients' OpenSSL configuration, feeding it {@code input}; its output. A
     * client that has not ended after {@code timeoutSeconds} is killed, and what it printed is returned.
     */
    private String run(List<String> command, String input, int timeoutSeconds) throws Exception {
        Path output = Files.createTempFile(outDir, "client-", ".out");
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
            pb.environment().put("OPENSSL_CONF", opensslConf.toAbsolutePath().toString());
            Process p = pb.start();
            try (OutputStream in = p.getOutputStream()) {
                if (input != null) {
                    in.write(input.getBytes(StandardCharsets.US_ASCII));
                }
            }
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                notes.add(String.join(" ", command) + " did not end in " + timeoutSeconds + " s and was killed");
            }
            return Files.readString(output);
        } finally {
            Files.deleteIfExists(output);
        }
    }

    /** What h2load printed. */
    private record H2loadResult(double seconds, long succeeded, long failed, long errored, long dataBytes,
                                String protocol, String cipher, String tempKey, String alpn) {

        static H2loadResult parse(String out) {
            Matcher finished = Pattern.compile("finished in ([\\d.]+)(m?s),").matcher(out);
            Matcher requests = Pattern.compile("requests: \\d+ total, \\d+ started, \\d+ done, (\\d+) succeeded, "
                    + "(\\d+) failed, (\\d+) errored").matcher(out);
            Matcher traffic = Pattern.compile("traffic: .* \\((\\d+)\\) data").matcher(out);
            if (!finished.find() || !requests.find()) {
                throw new IllegalStateException("h2load printed no result:\n" + out);
            }
            double seconds = Double.parseDouble(finished.group(1)) / (finished.group(2).equals("ms") ? 1000 : 1);
            return new H2loadResult(seconds, Long.parseLong(requests.group(1)), Long.parseLong(requests.group(2)),
                    Long.parseLong(requests.group(3)), traffic.find() ? Long.parseLong(traffic.group(1)) : 0,
                    find(out, "TLS Protocol: (\\S+)"), find(out, "Cipher: (\\S+)"),
                    find(out, "Server Temp Key: (\\S+)"), find(out, "Application protocol: (\\S+)"));
        }

        List<String> problems(String alpnExpected) {
            List<String> p = new ArrayList<>();
            if (failed > 0 || errored > 0) {
                p.add("h2load: " + failed + " failed, " + errored + " errored");
            }
            if (!protocol.equals("TLSv1.3") || !cipher.equals(Tls.CIPHER_SUITE) || !tempKey.equals("X25519")
                    || !alpn.matches(alpnExpected)) {
                p.add("h2load negotiated " + protocol + " " + cipher + " " + tempKey + " " + alpn);
            }
            return p;
        }
    }

    /** What wrk printed. */
    private record WrkResult(double seconds, double requestsPerSecond, String errors) {

        static WrkResult parse(String out) {
            Matcher rate = Pattern.compile("Requests/sec:\\s+([\\d.]+)").matcher(out);
            Matcher in = Pattern.compile("requests in ([\\d.]+)(m?s),").matcher(out);
            if (!rate.find() || !in.find()) {
                throw new IllegalStateException("wrk printed no result:\n" + out);
            }
            double seconds = Double.parseDouble(in.group(1)) / (in.group(2).equals("ms") ? 1000 : 1);
            String errors = out.lines().filter(l -> l.contains("Socket errors") || l.contains("Non-2xx"))
                    .map(String::trim).collect(Collectors.joining("; "));
            return new WrkResult(seconds, Double.parseDouble(rate.group(1)), errors);
        }

        List<String> problems() {
            return errors.isEmpty() ? List.of() : List.of("wrk: " + errors);
        }
    }

    // ---- results ----

    private String clientVersions() {
        try {
            String h2load = run(List.of("h2load", "--version"), null, 10).trim();
            String wrk = run(List.of("wrk", "-v"), null, 10).lines().findFirst().orElse("?").trim();
            String openssl = run(List.of("openssl", "version"), null, 10).trim();
            return h2load + "; " + wrk.replaceAll(" Copyright.*", "") + "; " + openssl;
        } catch (Exception e) {
            return "client versions unknown: " + e;
        }
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Paths.get("/proc/loadavg")).trim().split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }

    private String table(List<Workload> workloads, Map<String, Map<Contestant, List<Sample>>> samples,
                         String versions, String loadBefore, String loadAfter, long seconds) {
        StringBuilder t = new StringBuilder();
        t.append("| workload (median of ").append(runs).append(runs == 1 ? " run" : " runs").append(") | metric |");
        contestants.forEach(c -> t.append(' ').append(c).append(" |"));
        boolean ratio = contestants.contains(Contestant.SSLWRITE) && contestants.contains(Contestant.NETTY_OPENSSL);
        if (ratio) {
            t.append(" SSLWRITE / NETTY_OPENSSL |");
        }
        t.append("\n|---|---|");
        contestants.forEach(c -> t.append("---:|"));
        if (ratio) {
            t.append("---:|");
        }
        t.append('\n');
        List<String> problems = new ArrayList<>(notes);
        for (Workload w : workloads) {
            Map<Contestant, List<Sample>> byContestant = samples.get(w.key);
            for (boolean cpu : new boolean[] {false, true}) {
                t.append("| ").append(w.label).append(" | ").append(cpu ? w.cpuUnit : w.rateUnit).append(" |");
                Map<Contestant, Double> medians = new EnumMap<>(Contestant.class);
                for (Contestant c : contestants) {
                    List<Sample> s = byContestant.get(c);
                    double median = median(s.stream().mapToDouble(x -> cpu ? x.cpuPerUnit : x.rate).toArray());
                    medians.put(c, median);
                    t.append(' ').append(format(median, cpu)).append(" |");
                    if (!cpu) {
                        s.stream().filter(x -> x.problem != null)
                                .forEach(x -> problems.add(w.key + " " + c + ": " + x.problem));
                    }
                }
                if (ratio) {
                    double r = medians.get(Contestant.SSLWRITE) / medians.get(Contestant.NETTY_OPENSSL);
                    // Higher is better for a rate, lower for CPU: the ratio reads "x BoringSSL's" either way.
                    t.append(String.format(Locale.ROOT, " %.2fx |", cpu ? 1 / r : r));
                }
                t.append('\n');
            }
        }
        t.append('\n').append("Clients: ").append(versions).append(". Server: one JVM per contestant, Java ")
                .append(Runtime.version()).append(", ").append(String.join(" ", SERVER_JVM_ARGS))
                .append(", one event loop (NIO), PooledByteBufAllocator.DEFAULT; TLS 1.3, ").append(Tls.CIPHER_SUITE)
                .append(", x25519, EC P-256 certificate, no resumption.\n");
        t.append("Load average before / after: ").append(loadBefore).append(" / ").append(loadAfter)
                .append(" (2 cores); run took ").append(seconds).append(" s")
                .append(quick ? " (--quick: short runs, to see that everything works)" : "").append(".\n");
        t.append("Server CPU: the server process's CPU time (event loop, GC and JIT threads) over the client's run"
                + " divided by what the server counted; the SSLWRITE / NETTY_OPENSSL column reads as a multiple of"
                + " BoringSSL's rate, and of BoringSSL's work per CPU-second for the CPU rows.\n");
        if (!problems.isEmpty()) {
            t.append('\n');
            problems.forEach(p -> t.append("- ").append(p).append('\n'));
        }
        return t.toString();
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static String format(double value, boolean cpu) {
        if (cpu) {
            return String.format(Locale.ROOT, "%.1f", value);
        }
        return String.format(Locale.ROOT, "%,.0f", value);
    }
}
