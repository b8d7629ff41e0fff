package io.sslwrite.bench;

import io.netty.buffer.PoolArenaMetric;
import io.netty.buffer.PoolChunkListMetric;
import io.netty.buffer.PoolChunkMetric;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocatorMetric;
import io.netty.util.internal.PlatformDependent;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;

/**
 * Samples memory every few milliseconds on a thread of its own and keeps the peaks.
 *
 * <ul>
 *   <li>{@code pooledDirect}: {@code PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory()}, the
 *       direct memory the allocator holds: whole chunks (4 MiB each by default), whether or not a
 *       buffer uses them, so it moves in 4 MiB steps and never below one chunk per arena touched.</li>
 *   <li>{@code directInBuffers}: the part of those chunks handed out to buffers (chunk size minus free
 *       bytes), plus huge allocations, which bypass chunks: the direct memory the code under test
 *       actually holds at that moment.</li>
 *   <li>{@code nettyDirect}: {@code PlatformDependent.usedDirectMemory()}, Netty's own counter of the
 *       direct memory it allocated; -1 when the JVM flags do not let Netty count it.</li>
 *   <li>{@code heap}: heap in use, garbage included; what the heap held live is measured apart, after
 *       an explicit collection (see {@link SlowReaderMemoryBenchmark}).</li>
 * </ul>
 */
final class MemorySampler implements AutoCloseable {

    static final long SAMPLE_MILLIS = 5;

    private final PooledByteBufAllocatorMetric metric = PooledByteBufAllocator.DEFAULT.metric();
    private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    private final Thread thread;
    private volatile boolean running = true;

    // Written by the sampling thread only; read after close(), which joins it.
    private long peakPooledDirect;
    private long peakDirectInBuffers;
    private long peakNettyDirect = -1;
    private long peakHeap;

    MemorySampler() {
        thread = new Thread(this::run, "memory-sampler");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        while (running) {
            sample();
            try {
                Thread.sleep(SAMPLE_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
        }
        sample();
    }

    private void sample() {
        peakPooledDirect = Math.max(peakPooledDirect, metric.usedDirectMemory());
        peakDirectInBuffers = Math.max(peakDirectInBuffers, directInBuffers());
        peakNettyDirect = Math.max(peakNettyDirect, PlatformDependent.usedDirectMemory());
        peakHeap = Math.max(peakHeap, memory.getHeapMemoryUsage().getUsed());
    }

    /** Bytes of pooled direct memory lent out to buffers now, thread caches included. */
    long directInBuffers() {
        return directInBuffers(metric);
    }

    /** As {@link #directInBuffers()}, for the allocator {@code metric} describes, without a sampling thread. */
    static long directInBuffers(PooledByteBufAllocatorMetric metric) {
        long inChunks = 0;
        long chunkTotal = 0;
        for (PoolArenaMetric arena : metric.directArenas()) {
            for (PoolChunkListMetric list : arena.chunkLists()) {
                for (PoolChunkMetric chunk : list) {
                    inChunks += chunk.chunkSize() - chunk.freeBytes();
                    chunkTotal += chunk.chunkSize();
                }
            }
        }
        // What the allocator holds beyond its chunks is huge allocations, each owned by one buffer.
        long huge = Math.max(0, metric.usedDirectMemory() - chunkTotal);
        return inChunks + huge;
    }

    /** The JDK's own count of direct ByteBuffers (those made with a cleaner). */
    static long jdkDirect() {
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if ("direct".equals(pool.getName())) {
                return pool.getMemoryUsed();
            }
        }
        return -1;
    }

    long peakPooledDirect() {
        return peakPooledDirect;
    }

    long peakDirectInBuffers() {
        return peakDirectInBuffers;
    }

    long peakNettyDirect() {
        return peakNettyDirect;
    }

    long peakHeap() {
        return peakHeap;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join();
    }
}
