package io.sslwrite.bench;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.sslwrite.SslWriteHandler;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * TLS 1.2 handshakes per second, full and resumed (RFC 5246 §7.3, by session ID), client and server together
 * on one thread over an in-memory pair, as {@link HandshakeBenchmark}. A resumed handshake skips the key
 * exchange and the certificate's signature and its verification: what is left is a few hashes and the
 * Finished messages. TLS 1.3 has no row here: bctls 1.84's server issues no session tickets.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ResumedHandshakeBenchmark {

    @Param({"SSLWRITE", "NETTY_JDK", "NETTY_BCJSSE", "NETTY_OPENSSL"})
    public Contestant contestant;

    @Param({"false", "true"})
    public boolean resumed;

    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private Tls tls;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        tls = Tls.tls12(contestant, resumed);
        // Says so at once if a contestant does not do what its row claims: resume, or not.
        byte[] first;
        try (EmbeddedPair pair = EmbeddedPair.handshaken(tls, alloc)) {
            first = Handlers.sessionId(pair.clientTls);
        }
        try (EmbeddedPair pair = EmbeddedPair.handshaken(tls, alloc)) {
            boolean didResume = pair.clientTls instanceof SslWriteHandler
                    ? ((SslWriteHandler) pair.clientTls).session().isResumed()
                    : first.length > 0 && Arrays.equals(first, Handlers.sessionId(pair.clientTls));
            if (didResume != resumed) {
                throw new IllegalStateException(contestant + (resumed ? " did not resume" : " resumed") + " a session");
            }
        }
    }

    @Benchmark
    public EmbeddedPair handshake() throws Exception {
        EmbeddedPair pair = EmbeddedPair.handshaken(tls, alloc);
        pair.close();
        return pair;
    }
}
