package io.sslwrite.bench;

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

import java.util.concurrent.TimeUnit;

/**
 * Full TLS 1.3 handshakes per second, client and server together on one thread over an in-memory
 * pair: key exchange with {@code group}, the server's signature with the {@code certificate} key and
 * its verification, and the verification of the server certificate against its CA,
 * Finished on both sides, post-handshake messages delivered, then close. No session is resumed.
 * Combinations a contestant cannot do are left out by the runner, with the reason printed.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class HandshakeBenchmark {

    @Param({"SSLWRITE", "NETTY_JDK", "NETTY_BCJSSE", "NETTY_OPENSSL"})
    public Contestant contestant;

    @Param({Tls.X25519, Tls.X25519MLKEM768})
    public String group;

    @Param({"EC_P256", "RSA_2048"})
    public CertificateType certificate;

    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private Tls tls;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        tls = Tls.create(contestant, group, certificate);
        // Says so at once if a contestant quietly settles on another group than the one measured.
        try (EmbeddedPair pair = EmbeddedPair.handshaken(tls, alloc)) {
            String negotiated = Handlers.negotiatedGroup(pair.clientTls);
            if (negotiated != null && !negotiated.equalsIgnoreCase(group)) {
                throw new IllegalStateException(contestant + " negotiated " + negotiated + ", not " + group);
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
