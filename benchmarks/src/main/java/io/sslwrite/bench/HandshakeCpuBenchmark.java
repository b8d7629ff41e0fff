package io.sslwrite.bench;

import io.netty.buffer.PooledByteBufAllocator;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Handshakes per CPU-second: what a handshake costs in processor time, whatever else the machine is
 * doing. Not JMH: one JVM per contestant, started by {@link RunAll}. On a shared 2-core machine the
 * wall-clock rates of {@link HandshakeBenchmark} and {@link LoopbackHandshakeBenchmark} move with the
 * other processes' load; the CPU time a thread spent on its own handshakes moves far less.
 *
 * <ul>
 *   <li><i>in memory</i>: {@link EmbeddedPair} handshakes, client and server on this one thread; its
 *       CPU time per handshake covers both sides.</li>
 *   <li><i>loopback server</i> and <i>loopback client</i>: {@link LoopbackHandshakeBenchmark}'s set-up
 *       ({@value LoopbackHandshakeBenchmark#CONCURRENCY} clients in flight over 127.0.0.1); the CPU
 *       time of the server's event-loop thread, and of the clients', per handshake.</li>
 * </ul>
 * Each figure is the median of {@link #ROUNDS} rounds of 1 CPU-s after a warm-up of at least 4 CPU-s
 * that lasts until the rate settles ({@link CpuRounds}), all counted in CPU time of the measured
 * thread. GC threads' time is not included.
 */
public final class HandshakeCpuBenchmark {

    static final String RESULT_PREFIX = "HANDSHAKECPU ";
    static final List<String> GROUPS = Tls.HANDSHAKE_GROUPS;
    private static final int ROUNDS = 3;

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private HandshakeCpuBenchmark() { }

    public static void main(String[] args) throws Exception {
        Contestant contestant = Contestant.valueOf(args[0]);
        boolean quick = args.length > 1 && args[1].equals("--quick");
        long warmUpNanos = quick ? 1_000_000_000L : 4_000_000_000L;
        long roundNanos = quick ? 500_000_000L : 1_000_000_000L;
        StringBuilder line = new StringBuilder(RESULT_PREFIX);
        for (CertificateType certificate : CertificateType.values()) {
            for (String group : GROUPS) {
                String key = group + "." + certificate;
                String reason = Tls.knownUnsupported(contestant, group, certificate);
                if (reason != null) {
                    line.append(" inMemory.").append(key).append("=n/a");
                    continue;
                }
                double inMemory = inMemory(Tls.create(contestant, group, certificate), warmUpNanos, roundNanos);
                double[] loopback = loopback(contestant, group, certificate, warmUpNanos, roundNanos);
                line.append(" inMemory.").append(key).append('=').append(format(inMemory))
                        .append(" loopbackServer.").append(key).append('=').append(format(loopback[0]))
                        .append(" loopbackClient.").append(key).append('=').append(format(loopback[1]));
                System.out.println(contestant + " " + key + ": " + format(inMemory) + " in memory, "
                        + format(loopback[0]) + " loopback server, " + format(loopback[1])
                        + " loopback client (handshakes per CPU-second)");
            }
        }
        System.out.println(line.toString().replaceFirst(" {2}", " "));
    }

    /** Handshakes per CPU-second of this thread, client and server together. */
    private static double inMemory(Tls tls, long warmUpNanos, long roundNanos) throws Exception {
        CpuRounds rounds = new CpuRounds(THREADS::getCurrentThreadCpuTime, roundNanos);
        Handshakes handshakes = () -> {
            EmbeddedPair.handshaken(tls, PooledByteBufAllocator.DEFAULT).close();
            return 1;
        };
        rounds.warmUp(handshakes, warmUpNanos);
        return rounds.median(handshakes);
    }

    /** Some handshakes; returns how many. */
    private interface Handshakes {
        long run() throws Exception;
    }

    /**
     * Rounds of {@code roundNanos} of a thread's CPU time. The JIT compiles on threads of its own, which
     * a loaded machine starves, so a fixed warm-up can end before the code is compiled: warming up goes
     * on, past {@code minimum}, until two rounds in a row agree within 10% (at most 40 CPU-s).
     */
    private static final class CpuRounds {
        private final java.util.function.LongSupplier cpu;
        private final long roundNanos;

        CpuRounds(java.util.function.LongSupplier cpu, long roundNanos) {
            this.cpu = cpu;
            this.roundNanos = roundNanos;
        }

        double round(Handshakes handshakes) throws Exception {
            long t0 = cpu.getAsLong();
            long n = 0;
            long used;
            while ((used = cpu.getAsLong() - t0) < roundNanos) {
                n += handshakes.run();
            }
            return n / (used / 1e9);
        }

        void warmUp(Handshakes handshakes, long minimum) throws Exception {
            long start = cpu.getAsLong();
            double previous = round(handshakes);
            while (cpu.getAsLong() - start < 40_000_000_000L) {
                double rate = round(handshakes);
                if (cpu.getAsLong() - start >= minimum && Math.abs(rate - previous) < 0.1 * rate) {
                    return;
                }
                previous = rate;
            }
        }

        double median(Handshakes handshakes) throws Exception {
            double[] rates = new double[ROUNDS];
            for (int r = 0; r < ROUNDS; r++) {
                rates[r] = round(handshakes);
            }
            return HandshakeCpuBenchmark.median(rates);
        }
    }

    /** Handshakes per CPU-second of the server's event loop, and of the clients'. */
    private static double[] loopback(Contestant contestant, String group, CertificateType certificate,
                                     long warmUpNanos, long roundNanos) throws Exception {
        LoopbackHandshakeBenchmark bench = new LoopbackHandshakeBenchmark();
        bench.contestant = contestant;
        bench.group = group;
        bench.certificate = certificate;
        bench.setUp();
        try {
            long server = bench.serverThread().getId();
            long client = bench.clientThread().getId();
            CpuRounds rounds = new CpuRounds(() -> THREADS.getThreadCpuTime(server), roundNanos);
            Handshakes handshakes = () -> {
                bench.handshakes();
                return LoopbackHandshakeBenchmark.HANDSHAKES;
            };
            rounds.warmUp(handshakes, warmUpNanos);
            double[] serverRates = new double[ROUNDS];
            double[] clientRates = new double[ROUNDS];
            for (int r = 0; r < ROUNDS; r++) {
                long c0 = THREADS.getThreadCpuTime(client);
                long s0 = THREADS.getThreadCpuTime(server);
                long n = 0;
                while (THREADS.getThreadCpuTime(server) - s0 < roundNanos) {
                    n += handshakes.run();
                }
                serverRates[r] = n / ((THREADS.getThreadCpuTime(server) - s0) / 1e9);
                clientRates[r] = n / ((THREADS.getThreadCpuTime(client) - c0) / 1e9);
            }
            return new double[] {median(serverRates), median(clientRates)};
        } finally {
            bench.tearDown();
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static String format(double rate) {
        return String.format(Locale.ROOT, "%.0f", rate);
    }
}
