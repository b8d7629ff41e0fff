package io.sslwrite.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.sslwrite.SslWriteHandler;

import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * What a large response to a slow reader costs in memory (DESIGN §4.3): the server writes 512 MiB in
 * 1 MiB writes and flushes once, without looking at writability, as an application that trusts its
 * TLS layer would; the client reads at 64 MiB/s. Every write is a duplicate of one shared 1 MiB heap
 * array, so the plaintext itself costs 1 MiB and whatever else the heap or direct memory holds is
 * the TLS handler's doing.
 *
 * <p>Runs one contestant per JVM, so no peak is left over from another: {@code main(contestant)}
 * prints one {@code SLOWREADER key=value ...} line, which {@link RunAll} reads.
 */
public final class SlowReaderMemoryBenchmark {

    static final int WRITE_SIZE = 1 << 20;
    static final int WRITES = 512;
    static final long READ_BYTES_PER_SECOND = 64L << 20;
    static final int READ_CHUNK = 64 * 1024;
    static final String RESULT_PREFIX = "SLOWREADER ";
    private static final long TIMEOUT_SECONDS = 120;

    private SlowReaderMemoryBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: SlowReaderMemoryBenchmark " + java.util.Arrays.toString(Contestant.values()));
            System.exit(2);
        }
        Map<String, Object> result = run(Contestant.valueOf(args[0]));
        StringBuilder line = new StringBuilder(RESULT_PREFIX);
        result.forEach((k, v) -> line.append(k).append('=').append(v).append(' '));
        System.out.println(line.toString().trim());
        System.exit(0);
    }

    static Map<String, Object> run(Contestant contestant) throws Exception {
        Tls tls = Tls.create(contestant, Tls.GROUP);
        byte[] shared = new byte[WRITE_SIZE];
        ThreadLocalRandom.current().nextBytes(shared);
        ByteBuf plaintext = Unpooled.wrappedBuffer(shared);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("contestant", contestant);

        try (Loopback.Loops loops = new Loopback.Loops()) {
            TargetSink reader = new TargetSink();
            PacedReader pacer = new PacedReader(READ_BYTES_PER_SECOND);
            // One socket read of at most 64 KiB per read(): the pacer's unit of consumption.
            Map<ChannelOption<?>, Object> readerOptions = Map.of(ChannelOption.RCVBUF_ALLOCATOR,
                    new FixedRecvByteBufAllocator(READ_CHUNK).maxMessagesPerRead(1));
            Loopback conn = Loopback.open(loops, tls, PooledByteBufAllocator.DEFAULT,
                    new Loopback.Side(null, new ChannelInboundHandlerAdapter(), Map.of()),
                    new Loopback.Side(pacer, reader, readerOptions));
            try {
                Channel writer = conn.server;
                result.put("highWaterMarkBytes", writer.config().getWriteBufferHighWaterMark());
                MemorySampler sampler = new MemorySampler();
                result.put("baselineDirectInBuffersBytes", sampler.directInBuffers());

                long total = (long) WRITES * WRITE_SIZE;
                CompletableFuture<Void> allRead = new CompletableFuture<>();
                conn.client.eventLoop().execute(() -> reader.expectTotal(total, allRead));
                pacer.start();

                CompletableFuture<ChannelFuture> flushed = new CompletableFuture<>();
                long start = System.nanoTime();
                writer.eventLoop().execute(() -> {
                    long t0 = System.nanoTime();
                    ChannelFuture last = null;
                    for (int i = 0; i < WRITES; i++) {
                        last = writer.write(plaintext.retainedDuplicate());
                    }
                    writer.flush();
                    result.put("flushBlockedLoopMillis", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
                    ChannelOutboundBuffer out = writer.unsafe().outboundBuffer();
                    result.put("ciphertextQueuedAfterFlushBytes", out == null ? 0 : out.totalPendingWriteBytes());
                    result.put("plaintextQueuedAfterFlushBytes", writer.pipeline().get(SslWriteHandler.class) == null
                            ? 0 : writer.pipeline().get(SslWriteHandler.class).pendingOutboundBytes());
                    flushed.complete(last);
                });
                ChannelFuture lastWrite = flushed.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);

                // Everything has been handed to the TLS handler: what the heap holds live now is
                // the plaintext plus whatever the handler keeps for it.
                System.gc();
                result.put("liveHeapAfterFlushBytes", ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());

                allRead.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                long elapsedNanos = System.nanoTime() - start;
                if (!lastWrite.await(TIMEOUT_SECONDS, TimeUnit.SECONDS) || !lastWrite.isSuccess()) {
                    throw new IllegalStateException(contestant + ": last write did not succeed: " + lastWrite.cause(),
                            lastWrite.cause());
                }
                sampler.close();
                result.put("peakDirectInBuffersBytes", sampler.peakDirectInBuffers());
                result.put("peakPooledDirectBytes", sampler.peakPooledDirect());
                result.put("peakNettyDirectBytes", sampler.peakNettyDirect());
                result.put("peakHeapBytes", sampler.peakHeap());
                result.put("jdkDirectBytes", MemorySampler.jdkDirect());
                result.put("readMiBPerSecond", String.format(java.util.Locale.ROOT, "%.1f",
                        total / (1024.0 * 1024.0) / (elapsedNanos / 1e9)));
                result.put("receivedBytes", reader.received());
            } finally {
                conn.close();
            }
        } finally {
            plaintext.release();
        }
        return result;
    }
}
