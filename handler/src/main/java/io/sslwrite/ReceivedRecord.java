package io.sslwrite;

import java.nio.ByteBuffer;

/**
 * The plaintext of the application-data record just offered to bctls, left where bctls decrypted it
 * instead of copied into bctls's application-data queue.
 *
 * <p>bctls's {@code processRecord} appends application data to a private {@code ByteQueue} whose
 * array grows to the largest record ever received (twice its size, rounded up to a power of two: 32
 * KiB after one full record) and is kept for the connection's life. The handler offers one whole
 * record at a time from the event loop's array ({@link ReadFramer}) and reads the plaintext out before
 * the next record or any application code runs, so the record's plaintext can simply stay in that
 * array until then: a connection keeps no queue, and the plaintext is copied once, into the buffer
 * that goes up the pipeline.
 *
 * <p>Only one record is held here; should bctls process a second one before this one is read (input
 * that is not one whole record, which the framer never offers), the protocol falls back to bctls's
 * queue, read after this record, so the order is kept.
 */
final class ReceivedRecord {
    private byte[] array;
    private int offset;
    private int length;

    /** Holds the record's plaintext if nothing else waits to be read; false if bctls must queue it. */
    boolean hold(byte[] array, int offset, int length, int queuedByBctls) {
        if (this.array != null || queuedByBctls > 0) {
            return false;
        }
        if (length == 0) {
            return true; // RFC 5246 §6.2.1: an empty application-data record carries nothing
        }
        this.array = array;
        this.offset = offset;
        this.length = length;
        return true;
    }

    int available() {
        return length;
    }

    int read(byte[] buffer, int bufferOffset, int max) {
        int n = Math.min(length, max);
        if (n > 0) {
            System.arraycopy(array, offset, buffer, bufferOffset, n);
        }
        consume(n);
        return n;
    }

    int read(ByteBuffer buffer, int max) {
        int n = Math.min(length, max);
        if (n > 0) {
            buffer.put(array, offset, n);
        }
        consume(n);
        return n;
    }

    private void consume(int n) {
        offset += n;
        length -= n;
        if (length == 0) {
            clear();
        }
    }

    /** Forgets a record never read: the array it points into is about to be reused. */
    void clear() {
        array = null;
        offset = 0;
        length = 0;
    }
}
