package io.sslwrite.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.security.GeneralSecurityException;
import java.util.concurrent.TimeUnit;

/**
 * The ceiling of every JVM contestant's 16 KiB write path: the JDK's own AES-128-GCM sealing 1 MiB as
 * 64 TLS 1.3 records of 16 KiB (RFC 8446 §5.2: a fresh nonce and {@code Cipher.init} per record, the
 * 5-byte header as additional data, the content type after the content), from one array into another,
 * with nothing else: no TLS engine, no copies, no pipeline. One operation is one MiB, so ops/s is MiB/s,
 * comparable with {@code write.encrypt}'s 16 KiB rows of the same run.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class AesGcmCeilingBenchmark {

    private static final int RECORD = 16 * 1024;
    private static final int RECORDS_PER_OP = (1 << 20) / RECORD;

    private final byte[] plaintext = new byte[RECORD];
    private final byte[] ciphertext = new byte[RECORD + 1 + 16];
    private final byte[] nonce = new byte[12];
    private final byte[] header = {23, 3, 3, (byte) ((RECORD + 17) >>> 8), (byte) (RECORD + 17)};
    private final byte[] contentType = {23};
    private Cipher cipher;
    private SecretKeySpec key;
    private long sequence;

    @Setup(Level.Trial)
    public void setUp() throws GeneralSecurityException {
        cipher = Cipher.getInstance("AES/GCM/NoPadding");
        key = new SecretKeySpec(new byte[16], "AES");
    }

    @Benchmark
    public int sealRecords() throws GeneralSecurityException {
        int last = 0;
        for (int r = 0; r < RECORDS_PER_OP; r++) {
            long seq = ++sequence;
            for (int i = 0; i < 8; i++) {
                nonce[11 - i] = (byte) (seq >>> (8 * i));
            }
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
            cipher.updateAAD(header);
            int n = cipher.update(plaintext, 0, RECORD, ciphertext, 0);
            last = n + cipher.doFinal(contentType, 0, 1, ciphertext, n);
        }
        return last;
    }
}
