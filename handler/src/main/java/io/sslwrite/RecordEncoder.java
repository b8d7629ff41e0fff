package io.sslwrite;

import io.netty.buffer.ByteBuf;
import org.bouncycastle.tls.TlsProtocol;

import java.io.IOException;
import java.util.ArrayDeque;

/**
 * bctls's write side: turns flushed writes into application-data records, which bctls writes into one
 * pooled buffer per pass ({@link ProtocolOutput}), and hands that buffer to the transport.
 *
 * <p>Record sizes (§4.1). bctls's {@code writeApplicationData} cuts records at 2^14 only, so the
 * length passed in each call is the record: exactly the size {@link RecordSizer} gives while flushed
 * plaintext remains, so N flushed bytes make ceil(N / MAX_RECORD_SIZE) records. A record that takes
 * its bytes from one heap buffer is encrypted straight from the caller's array; one packed from
 * several small writes, or taken from a direct or composite buffer or a {@code FileRegion}, is first
 * gathered into a scratch array of the event loop's ({@link ScratchArray}; bctls needs a
 * {@code byte[]}). That copy of at most one record is the price of packing; the cipher copies the
 * record again in any case, as it encrypts.
 *
 * <p>Before each record, room for it is made in the pass's buffer, the first time for the whole pass
 * as far as the flushed writes tell, so that a pass of four full records is written into one buffer
 * that never grows.
 *
 * <p>Ciphertext in flight (§4.3) is the ciphertext handed to the transport and not yet reported
 * written; the handler compares it with the high water mark before each pass.
 */
final class RecordEncoder {
    /** Plaintext encrypted in one pass: four full records. */
    static final int MAX_BATCH = 64 * 1024;
    /**
     * Ciphertext room per record beyond its plaintext: header, TLS 1.2 explicit nonce or TLS 1.3
     * content type, tag (at most 30 bytes), and a KeyUpdate record bctls may send before it (RFC 8446
     * §4.6.3).
     */
    static final int RECORD_ROOM = 64;
    /** Plaintext packed from several writes, one array per event loop. */
    private static final ScratchArray PACKED = new ScratchArray(HandlerOptions.MAX_RECORD_SIZE_LIMIT);

    private final TlsProtocol protocol;
    private final ProtocolOutput output;
    private final Batch.Owner owner;
    private final ArrayDeque<Batch> freeBatches = new ArrayDeque<>(2);
    private final RegionReader regionReader = new RegionReader();
    private long ciphertextInFlight;
    /** The event loop's scratch array while a pass uses it, else null. */
    private byte[] scratch;
    /** Capacity of the pass's buffer if the next record is the first to go into it. */
    private int passCapacity;

    RecordEncoder(TlsProtocol protocol, Batch.Owner owner) {
        this.protocol = protocol;
        this.output = ((BcProtocol) protocol).output();
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
        // A pass takes at most MAX_BATCH bytes, whatever the size of the writes (with record sizes that
        // do not divide it, the last record takes it past by less than a record: the buffer grows).
        int planned = (int) Math.min(queue.flushedBytes(MAX_BATCH), MAX_BATCH);
        passCapacity = planned + RECORD_ROOM * (planned / 1024 + 2);
        try {
            return encryptPass(queue, sizer, nowNanos, partialWrite, batch);
        } finally {
            if (scratch != null) {
                PACKED.giveBack(scratch);
                scratch = null;
            }
        }
    }

    private Batch encryptPass(WriteQueue queue, RecordSizer sizer, long nowNanos, boolean partialWrite, Batch batch)
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
            if (burstStarts) {
                passCapacity = recordSize + RECORD_ROOM; // the record leaves alone (below)
            }
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
            writeRecord(array, write.arrayOffset(), n);
            return true;
        }
        if (!copy(queue, write, 0, n)) {
            return false;
        }
        writeRecord(scratch, 0, n);
        return true;
    }

    /** One record of {@code n} plaintext bytes, written by bctls into the pass's buffer. */
    private void writeRecord(byte[] plaintext, int offset, int n) throws IOException {
        output.reserve(n + RECORD_ROOM, passCapacity);
        protocol.writeApplicationData(plaintext, offset, n);
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
            write.sharedRecord();
            filled += n;
            batch.add(write, n);
            queue.encrypted(write, n);
        }
        if (filled > 0) {
            writeRecord(scratch, 0, filled);
        }
        return filled;
    }

    /** Copies plaintext into the scratch array; a region that cannot be read fails its write alone. */
    private boolean copy(WriteQueue queue, PendingWrite write, int offset, int n) {
        if (scratch == null) {
            scratch = PACKED.borrow();
        }
        try {
            write.copyTo(scratch, offset, n, regionReader);
            return true;
        } catch (IOException | RuntimeException e) {
            queue.failFirst(write.readFailure(e));
            return false;
        }
    }

    /**
     * Everything bctls has written for the wire (records of this pass, and any handshake message,
     * alert or KeyUpdate it produced), in the one buffer it was written into, or null if there is
     * none. The bytes count as in flight until {@link #written}.
     */
    ByteBuf takeOutput(Batch batch) {
        ByteBuf out = output.take();
        if (out == null) {
            return null;
        }
        int n = out.readableBytes();
        batch.ciphertextBytes += n;
        ciphertextInFlight += n;
        return out;
    }

    /** Drops output never taken (the connection ended inside a call into bctls). */
    void releaseOutput() {
        output.release();
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
