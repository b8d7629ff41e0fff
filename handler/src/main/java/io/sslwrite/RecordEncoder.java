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
 * length passed in each call is the record: exactly {@code recordSize} bytes while flushed plaintext
 * remains, so N flushed bytes make ceil(N / recordSize) records. A record that takes its bytes from one
 * heap buffer is encrypted straight from the caller's array; one packed from several small writes, or
 * from a direct or composite buffer, is first gathered into a reused scratch array (bctls needs a
 * {@code byte[]}). That copy of at most one record is the price of packing; bctls copies the record
 * again in any case ({@code TlsAEADCipher.encodePlaintext}).
 *
 * <p>Ciphertext in flight (§4.3) is the ciphertext handed to the transport and not yet reported
 * written; the handler compares it with the high water mark before each pass.
 */
final class RecordEncoder {
    /** Plaintext encrypted in one pass at most: four full records. */
    static final int MAX_BATCH = 64 * 1024;

    private final TlsProtocol protocol;
    private final Batch.Owner owner;
    private final ArrayDeque<Batch> freeBatches = new ArrayDeque<>();
    private final byte[] scratch = new byte[HandlerOptions.MAX_RECORD_SIZE_LIMIT];
    private long ciphertextInFlight;

    RecordEncoder(TlsProtocol protocol, Batch.Owner owner) {
        this.protocol = protocol;
        this.owner = owner;
    }

    long ciphertextInFlight() {
        return ciphertextInFlight;
    }

    /**
     * Encrypts flushed writes into at most {@code max(1, MAX_BATCH / recordSize)} records of
     * {@code recordSize} bytes (the last may be short when the queue runs out). Zero-length writes
     * met on the way join the batch without a record, so they complete after the writes before them.
     *
     * @return the batch, possibly with no records; the caller must {@link #takeOutput} after it
     */
    Batch encrypt(WriteQueue queue, int recordSize, boolean partialWrite, Batch batch) throws IOException {
        int recordsLeft = Math.max(1, MAX_BATCH / recordSize);
        PendingWrite first;
        while (recordsLeft > 0 && (first = queue.firstFlushed()) != null) {
            int unencrypted = first.unencrypted();
            if (unencrypted == 0) {
                batch.add(first, 0);
                queue.encrypted(first, 0);
                continue;
            }
            // With PARTIAL_WRITE a record never spans two writes, as with SSL_write, so that what a
            // cut-short write has sent is a whole number of records of its own (§4.5).
            if (unencrypted >= recordSize || queue.flushedCount() == 1 || partialWrite) {
                int n = Math.min(unencrypted, recordSize);
                encryptFrom(first.buf, first.nextIndex(), n);
                batch.add(first, n);
                queue.encrypted(first, n);
            } else {
                gatherAndEncrypt(queue, recordSize, batch);
            }
            batch.records++;
            recordsLeft--;
        }
        return batch;
    }

    /** Packs the head of the queue, several writes, into one record through the scratch array. */
    private void gatherAndEncrypt(WriteQueue queue, int recordSize, Batch batch) throws IOException {
        int filled = 0;
        PendingWrite write;
        while (filled < recordSize && (write = queue.firstFlushed()) != null) {
            int n = Math.min(write.unencrypted(), recordSize - filled);
            write.buf.getBytes(write.nextIndex(), scratch, filled, n);
            filled += n;
            batch.add(write, n);
            queue.encrypted(write, n);
        }
        protocol.writeApplicationData(scratch, 0, filled);
    }

    private void encryptFrom(ByteBuf buf, int index, int n) throws IOException {
        if (buf.hasArray()) {
            protocol.writeApplicationData(buf.array(), buf.arrayOffset() + index, n);
        } else {
            buf.getBytes(index, scratch, 0, n);
            protocol.writeApplicationData(scratch, 0, n);
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
        batch.records = 0;
        freeBatches.addFirst(batch);
    }
}
