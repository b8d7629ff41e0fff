package io.sslwrite;

import java.util.concurrent.TimeUnit;

/**
 * Chooses the plaintext size of each application record (DESIGN §4.1, §4.8).
 *
 * <p>Without {@code DYNAMIC_RECORD_SIZING} every record carries {@code MAX_RECORD_SIZE} bytes. With
 * it, the first {@code DYNAMIC_RECORD_THRESHOLD} bytes of a burst go in records that fill one TCP
 * segment of 1460 bytes (an Ethernet MTU less IPv4 and TCP headers) with the negotiated suite's
 * record overhead, so that the peer can decrypt each segment as it arrives instead of waiting for a
 * 16 KiB record spread over a dozen; after that, full records, which cost the least per byte. A burst
 * ends after {@code DYNAMIC_RECORD_IDLE_MILLIS} without application data, as in s2n-tls (its
 * {@code timeout_threshold}), since by then the TCP congestion window may have shrunk again. Go's
 * crypto/tls also starts small and grows, but only once per connection: it never starts small again.
 */
final class RecordSizer {
    static final int TCP_SEGMENT = 1460;

    private final HandlerOptions options;
    private int recordOverhead = TLS13_AEAD_OVERHEAD;
    private long burstBytes;
    private long lastSentNanos;
    private boolean sentAny;
    private boolean startedBurst;

    /** TLS 1.3 AEAD: 5-byte header, 1 content-type byte, 16-byte tag (RFC 8446 §5.2). */
    static final int TLS13_AEAD_OVERHEAD = 5 + 1 + 16;
    /** TLS 1.2 AES-GCM: 5-byte header, 8-byte explicit nonce, 16-byte tag (RFC 5288 §3). */
    static final int TLS12_AES_GCM_OVERHEAD = 5 + 8 + 16;
    /** TLS 1.2 ChaCha20-Poly1305: 5-byte header, 16-byte tag, no explicit nonce (RFC 7905 §2). */
    static final int TLS12_CHACHA20_OVERHEAD = 5 + 16;

    RecordSizer(HandlerOptions options) {
        this.options = options;
    }

    /** After each handshake: the overhead of one record of the negotiated suite. */
    void negotiated(SslWriteSession session) {
        if ("TLSv1.3".equals(session.protocol())) {
            recordOverhead = TLS13_AEAD_OVERHEAD;
        } else if (session.cipherSuite().contains("CHACHA20")) {
            recordOverhead = TLS12_CHACHA20_OVERHEAD;
        } else {
            recordOverhead = TLS12_AES_GCM_OVERHEAD;
        }
    }

    private boolean isDynamic() {
        return options.get(SslWriteOption.DYNAMIC_RECORD_SIZING);
    }

    /** Whether the record {@link #next} sized last is the first of a burst (dynamic sizing only). */
    boolean startedBurst() {
        return startedBurst;
    }

    /** Whether the next record is the first of a burst: nothing sent yet, or sent too long ago. */
    private boolean startsBurst(long nowNanos) {
        long idle = TimeUnit.MILLISECONDS.toNanos(options.get(SslWriteOption.DYNAMIC_RECORD_IDLE_MILLIS));
        return !sentAny || nowNanos - lastSentNanos >= idle;
    }

    /** Plaintext bytes of the next record. */
    int next(long nowNanos) {
        int max = options.maxRecordSize();
        startedBurst = false;
        if (!isDynamic()) {
            return max;
        }
        if (startsBurst(nowNanos)) {
            startedBurst = true;
            burstBytes = 0;
        }
        return burstBytes < options.get(SslWriteOption.DYNAMIC_RECORD_THRESHOLD)
                ? Math.min(TCP_SEGMENT - recordOverhead, max) : max;
    }

    /** A record of {@code n} plaintext bytes went out at {@code nowNanos}. */
    void sent(int n, long nowNanos) {
        burstBytes += n;
        lastSentNanos = nowNanos;
        sentAny = true;
    }
}
