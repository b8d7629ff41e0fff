package io.sslwrite.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;

/**
 * MiB of 16 KiB writes encrypted per CPU-second: {@link WriteThroughputBenchmark#encrypt}'s work for
 * each contestant named on the command line, and the JDK's AES-GCM alone
 * ({@link AesGcmCeilingBenchmark}), timed by this thread's CPU time, so that a loaded machine changes
 * the figures less than it changes JMH's wall-clock rates. Not part of {@link RunAll}:
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.sslwrite.bench.EncryptCpuBenchmark SSLWRITE NETTY_JDK NETTY_OPENSSL
 * </pre>
 *
 * Each figure is the median of 5 rounds of 1 CPU-s, after a warm-up that lasts until two rounds agree
 * within 10% (at least 5 CPU-s); contestants take turns round by round, so a change of load touches all.
 */
public final class EncryptCpuBenchmark {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final int ROUNDS = 5;

    private interface MiB {
        void run() throws Exception;
    }

    private EncryptCpuBenchmark() { }

    public static void main(String[] args) throws Exception {
        String[] names = new String[args.length + 1];
        MiB[] work = new MiB[args.length + 1];
        for (int i = 0; i < args.length; i++) {
            WriteThroughputBenchmark bench = new WriteThroughputBenchmark();
            bench.contestant = Contestant.valueOf(args[i]);
            bench.messageSize = 16384;
            bench.bufferType = BufferType.HEAP;
            bench.setUpTrial();
            bench.handshake();
            names[i] = args[i];
            work[i] = bench::encrypt;
        }
        AesGcmCeilingBenchmark ceiling = new AesGcmCeilingBenchmark();
        ceiling.setUp();
        names[args.length] = "JDK AES-GCM alone";
        work[args.length] = ceiling::sealRecords;

        for (int i = 0; i < work.length; i++) {
            double previous = round(work[i]);
            long start = THREADS.getCurrentThreadCpuTime();
            for (double rate; (rate = round(work[i])) > 0; previous = rate) {
                long spent = THREADS.getCurrentThreadCpuTime() - start;
                if ((spent >= 5_000_000_000L && Math.abs(rate - previous) < 0.1 * rate) || spent > 40_000_000_000L) {
                    break;
                }
            }
        }
        double[][] rates = new double[work.length][ROUNDS];
        for (int r = 0; r < ROUNDS; r++) {
            for (int i = 0; i < work.length; i++) {
                rates[i][r] = round(work[i]);
            }
        }
        System.out.println("Java " + Runtime.version() + ", 16 KiB heap writes, MiB encrypted per CPU-second"
                + " (median of " + ROUNDS + "; min..max):");
        for (int i = 0; i < work.length; i++) {
            double[] sorted = rates[i].clone();
            Arrays.sort(sorted);
            System.out.println(String.format(Locale.ROOT, "  %-18s %6.0f  (%.0f..%.0f)", names[i],
                    sorted[ROUNDS / 2], sorted[0], sorted[ROUNDS - 1]));
        }
    }

    /** MiB per CPU-second over one CPU-second of this thread. */
    private static double round(MiB work) throws Exception {
        long t0 = THREADS.getCurrentThreadCpuTime();
        long n = 0;
        long used;
        while ((used = THREADS.getCurrentThreadCpuTime() - t0) < 1_000_000_000L) {
            work.run();
            n++;
        }
        return n / (used / 1e9);
    }
}
