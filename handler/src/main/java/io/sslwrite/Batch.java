package io.sslwrite;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;

import java.util.Arrays;

/**
 * One encryption pass handed to the transport as one buffer: which writes its records carry, how many
 * plaintext bytes of each, record by record, and how many ciphertext bytes it holds. When the
 * transport reports the buffer written, every write hears of its records in order (§4.2 progress) and
 * those whose last byte was in it complete.
 *
 * <p>The entry arrays grow to the largest pass seen and are reused, so a pass allocates nothing per
 * record.
 */
final class Batch implements ChannelFutureListener {

    /** Told when the transport has written (or failed to write) a batch. */
    interface Owner {
        void batchWritten(Batch batch, ChannelFuture future);
    }

    private final Owner owner;
    private PendingWrite[] writes = new PendingWrite[8];
    private int[] bytes = new int[8];
    private int size;
    int ciphertextBytes;
    int plaintextBytes;
    /** The pass is to be flushed before any other is encrypted (the first record of a burst, §4.8). */
    boolean flushAlone;

    Batch(Owner owner) {
        this.owner = owner;
    }

    /** {@code n} plaintext bytes of {@code write} went into this batch's current record. */
    void add(PendingWrite write, int n) {
        if (size == writes.length) {
            writes = Arrays.copyOf(writes, size * 2);
            bytes = Arrays.copyOf(bytes, size * 2);
        }
        writes[size] = write;
        bytes[size] = n;
        size++;
        plaintextBytes += n;
    }

    @Override
    public void operationComplete(ChannelFuture future) {
        owner.batchWritten(this, future);
    }

    /** The transport wrote the batch: progress and completion for every write it carried, in order. */
    void acknowledge() {
        for (int i = 0; i < size; i++) {
            writes[i].acknowledge(bytes[i]);
        }
        clear();
    }

    /** The transport failed: every write this batch carried fails with the cause. */
    void fail(Throwable cause) {
        for (int i = 0; i < size; i++) {
            writes[i].fail(cause);
        }
        clear();
    }

    private void clear() {
        Arrays.fill(writes, 0, size, null);
        size = 0;
    }
}
