package io.sslwrite.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Bulk transfer over a real TCP connection on 127.0.0.1: the client streams {@link #MIB_PER_OP} MiB
 * in 16 KiB writes, respecting writability, and the server decrypts and discards it. One invocation
 * ends when the server has read the last byte, and counts as {@link #MIB_PER_OP} operations, so
 * ops/s is MiB/s and {@code gc.alloc.rate.norm} is bytes allocated per MiB, by both sides together.
 * Write-buffer water marks are Netty's defaults (32 KiB / 64 KiB).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class LoopbackThroughputBenchmark {

    static final int MIB_PER_OP = 256;
    static final int MESSAGE_SIZE = 16 * 1024;
    static final int FLUSH_EVERY_BYTES = 64 * 1024;
    private static final long OP_TIMEOUT_SECONDS = 120;

    @Param({"SSLWRITE", "NETTY_JDK", "NETTY_BCJSSE", "NETTY_OPENSSL"})
    public Contestant contestant;

    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private Tls tls;
    private Loopback.Loops loops;
    private ByteBuf message;
    private Loopback connection;
    private StreamWriter writer;
    private TargetSink sink;
    private long sent;

    @Setup(Level.Trial)
    public void setUpTrial() throws Exception {
        tls = Tls.create(contestant, Tls.GROUP);
        loops = new Loopback.Loops();
        message = BufferType.HEAP.newMessage(MESSAGE_SIZE);
    }

    @Setup(Level.Iteration)
    public void connect() throws Exception {
        writer = new StreamWriter(message, FLUSH_EVERY_BYTES);
        sink = new TargetSink();
        sent = 0;
        connection = Loopback.open(loops, tls, alloc,
                new Loopback.Side(null, sink, Map.of()),
                new Loopback.Side(null, writer, Map.of()));
    }

    @TearDown(Level.Iteration)
    public void disconnect() {
        connection.close();
    }

    @TearDown(Level.Trial)
    public void tearDownTrial() {
        loops.close();
        message.release();
    }

    @Benchmark
    @OperationsPerInvocation(MIB_PER_OP)
    public void transfer() throws Exception {
        long bytes = (long) MIB_PER_OP << 20;
        sent += bytes;
        long total = sent;
        CompletableFuture<Void> arrived = new CompletableFuture<>();
        connection.server.eventLoop().execute(() -> sink.expectTotal(total, arrived));
        // A connection that dies mid-transfer fails the operation instead of hanging it.
        connection.client.closeFuture().addListener(f -> arrived.completeExceptionally(
                new IllegalStateException(contestant + ": connection closed during the transfer")));
        writer.start(bytes);
        arrived.get(OP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }
}
