package io.sslwrite.bench;

import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.Collection;
import java.util.List;

/**
 * CPU time per operation ({@code -prof io.sslwrite.bench.ProcessCpuProfiler}): {@code cpu.ns/op} is the
 * forked JVM's, the benchmark thread, the GC and the JIT together, as a server's CPU time is counted;
 * {@code worker.cpu.ns/op} is the benchmark threads' alone, which JIT compilation still running on a
 * starved machine does not inflate. On a machine shared with other work, ops/s follows the share of
 * the cores the fork gets; CPU time per operation hardly does, so it is the figure to compare
 * contestants by there.
 */
public final class ProcessCpuProfiler implements InternalProfiler {

    private final com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private long cpuBefore;
    private long workersBefore;

    @Override
    public String getDescription() {
        return "process CPU time per operation";
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
        cpuBefore = os.getProcessCpuTime();
        workersBefore = workerCpu();
    }

    /** CPU time of JMH's benchmark threads ("...-jmh-worker-N"). */
    private long workerCpu() {
        long sum = 0;
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null && info.getThreadName().contains("jmh-worker")) {
                sum += Math.max(0, threads.getThreadCpuTime(info.getThreadId()));
            }
        }
        return sum;
    }

    @Override
    public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams,
                                                       IterationResult result) {
        long cpu = os.getProcessCpuTime() - cpuBefore;
        long workers = workerCpu() - workersBefore;
        long ops = result.getMetadata().getAllOps();
        return List.of(new ScalarResult("cpu.ns/op", ops == 0 ? Double.NaN : (double) cpu / ops, "ns/op",
                        AggregationPolicy.AVG),
                new ScalarResult("worker.cpu.ns/op", ops == 0 ? Double.NaN : (double) workers / ops, "ns/op",
                        AggregationPolicy.AVG));
    }
}
