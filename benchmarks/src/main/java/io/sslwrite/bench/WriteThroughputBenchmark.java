package io.sslwrite.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.concurrent.TimeUnit;

/**
 * The write path in memory: a handshaken pair of {@link EmbeddedChannel}s, so the numbers are the
 * handler's own cost with no socket in the way.
 *
 * <p>One operation is one MiB of application data, written as {@code messageSize} messages with a
 * flush after every 64 KiB, so ops/s reads as MiB/s and JMH's {@code gc.alloc.rate.norm} as bytes
 * allocated per MiB. {@link #encrypt} times the sender alone (its ciphertext is dropped);
 * {@link #encryptAndDecrypt} also hands every flush to the server and reads it there.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class WriteThroughputBenchmark {

    static final int BYTES_PER_OP = 1 << 20;
    static final int FLUSH_EVERY_BYTES = 64 * 1024;

    @Param({"SSLWRITE", "NETTY_JDK", "NETTY_BCJSSE", "NETTY_OPENSSL"})
    public Contestant contestant;

    @Param({"16384", "1024"})
    public int messageSize;

    @Param({"HEAP", "DIRECT"})
    public BufferType bufferType;

    /** The channels' and handlers' allocator; {@link EncryptCpuBenchmark} may set another before set-up. */
    ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private Tls tls;
    private ByteBuf message;
    private ByteBuf frameHeader;
    private int writesPerFlush;
    private EmbeddedPair pair;
    private long written;
    private boolean delivered;

    @Setup(Level.Trial)
    public void setUpTrial() throws Exception {
        if (FLUSH_EVERY_BYTES % messageSize != 0) {
            throw new IllegalArgumentException("messageSize " + messageSize + " must divide " + FLUSH_EVERY_BYTES);
        }
        tls = Tls.create(contestant, Tls.GROUP);
        message = bufferType.newMessage(messageSize);
        frameHeader = bufferType.frameHeader(messageSize);
        writesPerFlush = FLUSH_EVERY_BYTES / messageSize;
    }

    /** A fresh connection per iteration: the handshake is set-up, never part of a timed write. */
    @Setup(Level.Iteration)
    public void handshake() throws Exception {
        pair = EmbeddedPair.handshaken(tls, alloc);
        written = 0;
        delivered = false;
    }

    @TearDown(Level.Iteration)
    public void close() {
        try {
            // A benchmark that delivers must get every byte written out of the server, or it measured a bug.
            long received = pair.serverSink.received();
            if (delivered && received != written) {
                throw new IllegalStateException(contestant + ": wrote " + written + " bytes, server read " + received);
            }
        } finally {
            pair.close();
        }
    }

    @TearDown(Level.Trial)
    public void tearDownTrial() {
        message.release();
        if (frameHeader != null) {
            frameHeader.release();
        }
    }

    @Benchmark
    public long encrypt() {
        long ciphertext = 0;
        for (int sent = 0; sent < BYTES_PER_OP; sent += FLUSH_EVERY_BYTES) {
            writeOneFlush();
            ciphertext += pair.discardClientOutbound();
        }
        return ciphertext;
    }

    @Benchmark
    public long encryptAndDecrypt() {
        delivered = true;
        for (int sent = 0; sent < BYTES_PER_OP; sent += FLUSH_EVERY_BYTES) {
            writeOneFlush();
            pair.clientToServer();
        }
        return pair.serverSink.received();
    }

    private void writeOneFlush() {
        for (int i = 0; i < writesPerFlush; i++) {
            if (frameHeader != null) {
                pair.client.write(frameHeader.retainedDuplicate());
                written += frameHeader.readableBytes();
            }
            // A duplicate per write: each write owns its indices and reference, the bytes are shared.
            pair.client.write(message.retainedDuplicate());
        }
        pair.client.flush();
        written += FLUSH_EVERY_BYTES;
    }
}
