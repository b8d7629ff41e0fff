package io.sslwrite.examples;

import io.netty.buffer.UnpooledByteBufAllocator;

/**
 * Reads an unpooled allocator's count of direct memory in use on a thread of its own and keeps the peak: the
 * direct memory a server holds, when the server's channels take their buffers from that allocator (an
 * unpooled allocator counts exactly the capacity of the buffers alive; a pooled one counts its chunks).
 */
final class DirectMemorySampler implements AutoCloseable {
    private final UnpooledByteBufAllocator alloc;
    private final long sampleMillis;
    private final Thread thread;
    private volatile boolean running = true;
    // Written by the sampling thread only; read after close(), which joins it.
    private long peak;
    private long samples;

    DirectMemorySampler(UnpooledByteBufAllocator alloc, long sampleMillis) {
        this.alloc = alloc;
        this.sampleMillis = sampleMillis;
        thread = new Thread(this::run, "direct-memory-sampler");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        while (running) {
            peak = Math.max(peak, alloc.metric().usedDirectMemory());
            samples++;
            try {
                Thread.sleep(sampleMillis);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    long peak() {
        return peak;
    }

    long samples() {
        return samples;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join();
    }
}
