package io.sslwrite.bench;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
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
 * Each round is also divided by the process's CPU time (GC and JIT threads included) and by the wall
 * clock, printed beside. {@code --buffer=direct} writes direct plaintext instead of heap,
 * {@code --buffer=http2} writes each 16 KiB heap payload behind a 9-byte direct frame header, as HTTP/2's
 * DATA frames come, and
 * {@code --allocator=default} gives the channels Netty's default allocator (adaptive in Netty 4.2) instead
 * of {@code PooledByteBufAllocator.DEFAULT}: the buffer type decides how sslwrite ranks against BoringSSL,
 * since each copies the plaintext on the opposite kind (heap for BoringSSL, direct for sslwrite).
 */
public final class EncryptCpuBenchmark {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final com.sun.management.OperatingSystemMXBean PROCESS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private static final int ROUNDS = 5;

    private interface MiB {
        void run() throws Exception;
    }

    private EncryptCpuBenchmark() { }

    public static void main(String[] args) throws Exception {
        ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
        BufferType bufferType = BufferType.HEAP;
        java.util.List<String> contestants = new java.util.ArrayList<>();
        for (String a : args) {
            if (a.equals("--buffer=direct")) {
                bufferType = BufferType.DIRECT;
            } else if (a.equals("--buffer=http2")) {
                bufferType = BufferType.HTTP2_FRAMES;
            } else if (a.equals("--buffer=heap")) {
                bufferType = BufferType.HEAP;
            } else if (a.equals("--allocator=default")) {
                alloc = ByteBufAllocator.DEFAULT;
            } else if (a.equals("--allocator=pooled")) {
                alloc = PooledByteBufAllocator.DEFAULT;
            } else {
                contestants.add(a);
            }
        }
        int n = contestants.size();
        String[] names = new String[n + 1];
        MiB[] work = new MiB[n + 1];
        for (int i = 0; i < n; i++) {
            WriteThroughputBenchmark bench = new WriteThroughputBenchmark();
            bench.contestant = Contestant.valueOf(contestants.get(i));
            bench.messageSize = 16384;
            bench.bufferType = bufferType;
            bench.alloc = alloc;
            bench.setUpTrial();
            bench.handshake();
            names[i] = contestants.get(i);
            work[i] = bench::encrypt;
        }
        AesGcmCeilingBenchmark ceiling = new AesGcmCeilingBenchmark();
        ceiling.setUp();
        names[n] = "JDK AES-GCM alone";
        work[n] = ceiling::sealRecords;

        for (int i = 0; i < work.length; i++) {
            double previous = round(work[i]).thread;
            long start = THREADS.getCurrentThreadCpuTime();
            for (double rate; (rate = round(work[i]).thread) > 0; previous = rate) {
                long spent = THREADS.getCurrentThreadCpuTime() - start;
                if ((spent >= 5_000_000_000L && Math.abs(rate - previous) < 0.1 * rate) || spent > 40_000_000_000L) {
                    break;
                }
            }
        }
        Rates[][] rates = new Rates[work.length][ROUNDS];
        for (int r = 0; r < ROUNDS; r++) {
            for (int i = 0; i < work.length; i++) {
                rates[i][r] = round(work[i]);
            }
        }
        System.out.println("Java " + Runtime.version() + ", 16 KiB " + bufferType.name().toLowerCase(Locale.ROOT)
                + " writes, allocator "
                + alloc.getClass().getSimpleName() + ", MiB encrypted per second (median of " + ROUNDS + "; min..max):");
        System.out.println(String.format(Locale.ROOT, "  %-18s %22s %22s %22s", "",
                "writing thread's CPU", "process CPU (all)", "wall clock"));
        for (int i = 0; i < work.length; i++) {
            Rates[] row = rates[i];
            System.out.println(String.format(Locale.ROOT, "  %-18s %22s %22s %22s", names[i],
                    median(row, x -> x.thread), median(row, x -> x.process), median(row, x -> x.wall)));
        }
    }

    /** MiB per second of one round, by three clocks. */
    private record Rates(double thread, double process, double wall) {
    }

    private static String median(Rates[] row, java.util.function.ToDoubleFunction<Rates> clock) {
        double[] sorted = java.util.Arrays.stream(row).mapToDouble(clock).sorted().toArray();
        return String.format(Locale.ROOT, "%6.0f (%.0f..%.0f)", sorted[ROUNDS / 2], sorted[0], sorted[ROUNDS - 1]);
    }

    /**
     * One CPU-second of this thread's work, and what it made per CPU-second of this thread, per CPU-second of
     * the whole process (GC and JIT threads included: what a server pays) and per second of wall clock.
     */
    private static Rates round(MiB work) throws Exception {
        long t0 = THREADS.getCurrentThreadCpuTime();
        long p0 = PROCESS.getProcessCpuTime();
        long w0 = System.nanoTime();
        long n = 0;
        long used;
        while ((used = THREADS.getCurrentThreadCpuTime() - t0) < 1_000_000_000L) {
            work.run();
            n++;
        }
        long process = PROCESS.getProcessCpuTime() - p0;
        long wall = System.nanoTime() - w0;
        return new Rates(n / (used / 1e9), n / (process / 1e9), n / (wall / 1e9));
    }
}
