package io.sslwrite;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.bouncycastle.tls.TlsProtocol;

import java.io.IOException;
import java.util.ArrayDeque;

/**
 * bctls's write side: turns flushed writes into application-data records and collects everything
 * bctls has queued for the wire into one pooled buffer per pass.
 *
 * <p>Record sizes (§4.1). bctls's {@code writeApplicationData} cuts records at 2^14 only, so the
 * length passed in each call is the record: exactly the size {@link RecordSizer} gives while flushed
 * plaintext remains, so N flushed bytes make ceil(N / MAX_RECORD_SIZE) records. A record that takes
 * its bytes from one heap buffer is encrypted straight from the caller's array; one packed from
 * several small writes, or taken from a direct or composite buffer or a {@code FileRegion}, is first
 * gathered into a reused scratch array (bctls needs a {@code byte[]}). That copy of at most one record
 * is the price of packing; bctls copies the record again in any case
 * ({@code TlsAEADCipher.encodePlaintext}).
 *
 * <p>Ciphertext in flight (§4.3) is the ciphertext handed to the transport and not yet reported
 * written; the handler compares it with the high water mark before each pass.
 */
final class RecordEncoder {
    /** Plaintext encrypted in one pass: four full records. */
    static final int MAX_BATCH = 64 * 1024;

    private final TlsProtocol protocol;
    private final Batch.Owner owner;
    private final ArrayDeque<Batch> freeBatches = new ArrayDeque<>();
    private final byte[] scratch = new byte[HandlerOptions.MAX_RECORD_SIZE_LIMIT];
    private final RegionReader regionReader = new RegionReader();
    private long ciphertextInFlight;

    RecordEncoder(TlsProtocol protocol, Batch.Owner owner) {
        this.protocol = protocol;
        this.owner = owner;
    }

    long ciphertextInFlight() {
        return ciphertextInFlight;
    }

    /**
     * Encrypts flushed writes into records until {@link #MAX_BATCH} plaintext bytes have gone into the
     * pass (exactly four records of 16 KiB; with other sizes the last record may take the pass past it
     * by less than one record; with dynamic record sizing, the first record of a burst is a pass of its
     * own). Zero-length writes met on the way join the batch without a record, so
     * they complete after the writes before them. A write whose {@code FileRegion} cannot be read
     * fails alone, with what its records already carried left sent; the pass goes on with the next.
     *
     * @return the batch, possibly with no records; the caller must {@link #takeOutput} after it
     */
    Batch encrypt(WriteQueue queue, RecordSizer sizer, long nowNanos, boolean partialWrite, Batch batch)
            throws IOException {
        PendingWrite first;
        while (batch.plaintextBytes < MAX_BATCH && (first = queue.firstFlushed()) != null) {
            long unencrypted = first.unencrypted();
            if (unencrypted == 0) {
                batch.add(first, 0);
                queue.encrypted(first, 0);
                continue;
            }
            int recordSize = sizer.next(nowNanos);
            boolean burstStarts = sizer.startedBurst();
            int n;
            // With PARTIAL_WRITE a record never spans two writes, as with SSL_write, so that what a
            // cut-short write has sent is a whole number of records of its own (§4.5).
            if (unencrypted >= recordSize || queue.flushedCount() == 1 || partialWrite) {
                n = (int) Math.min(unencrypted, recordSize);
                if (!encryptFrom(queue, first, n)) {
                    continue;
                }
                batch.add(first, n);
                queue.encrypted(first, n);
            } else {
                n = gatherAndEncrypt(queue, recordSize, batch);
                if (n == 0) {
                    continue;
                }
            }
            sizer.sent(n, nowNanos);
            if (burstStarts) {
                // §4.8: the first record of a burst leaves alone, at once, so that the peer can
                // decrypt its first segment while the rest of the pass is still being encrypted.
                batch.flushAlone = true;
                break;
            }
        }
        return batch;
    }

    /** One record from one write. @return false if the write failed to read and was failed */
    private boolean encryptFrom(WriteQueue queue, PendingWrite write, int n) throws IOException {
        byte[] array = write.array();
        if (array != null) {
            protocol.writeApplicationData(array, write.arrayOffset(), n);
            return true;
        }
        if (!copy(queue, write, 0, n)) {
            return false;
        }
        protocol.writeApplicationData(scratch, 0, n);
        return true;
    }

    /**
     * Packs the head of the queue, several writes, into one record through the scratch array.
     *
     * @return the record's plaintext bytes (0 if nothing could be read)
     */
    private int gatherAndEncrypt(WriteQueue queue, int recordSize, Batch batch) throws IOException {
        int filled = 0;
        PendingWrite write;
        while (filled < recordSize && (write = queue.firstFlushed()) != null) {
            int n = (int) Math.min(write.unencrypted(), recordSize - filled);
            if (!copy(queue, write, filled, n)) {
                continue;
            }
            filled += n;
            batch.add(write, n);
            queue.encrypted(write, n);
        }
        if (filled > 0) {
            protocol.writeApplicationData(scratch, 0, filled);
        }
        return filled;
    }

    /** Copies plaintext into the scratch array; a region that cannot be read fails its write alone. */
    private boolean copy(WriteQueue queue, PendingWrite write, int offset, int n) {
        try {
            write.copyTo(scratch, offset, n, regionReader);
            return true;
        } catch (IOException | RuntimeException e) {
            queue.failFirst(write.readFailure(e));
            return false;
        }
    }

    /**
     * Everything bctls has queued for the wire (records of this pass, and any handshake message,
     * alert or KeyUpdate it produced), read with {@code readOutput(ByteBuffer, int)} into one pooled
     * buffer, or null if there is none. The bytes count as in flight until {@link #written}.
     */
    ByteBuf takeOutput(ByteBufAllocator alloc, Batch batch) {
        int available = protocol.getAvailableOutputBytes();
        if (available == 0) {
            return null;
        }
        ByteBuf out = alloc.directBuffer(available);
        int n = protocol.readOutput(out.internalNioBuffer(0, available), available);
        out.writerIndex(n);
        batch.ciphertextBytes += n;
        ciphertextInFlight += n;
        return out;
    }

    Batch newBatch() {
        Batch batch = freeBatches.pollFirst();
        return batch != null ? batch : new Batch(owner);
    }

    /** The transport finished with a batch, written or failed: its bytes are no longer in flight. */
    void written(Batch batch) {
        ciphertextInFlight -= batch.ciphertextBytes;
        batch.ciphertextBytes = 0;
        batch.plaintextBytes = 0;
        batch.flushAlone = false;
        freeBatches.addFirst(batch);
    }
}
