package io.sslwrite;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelPromise;

import java.util.ArrayDeque;

/**
 * Application writes not yet fully encrypted, in order, as the caller's buffers (DESIGN §4.1: queued
 * as they are, never copied here). The first {@link #flushedCount} entries have been flushed and may
 * be encrypted; the rest wait for the next {@code flush()}.
 *
 * <p>{@link #pendingBytes} is the plaintext not yet encrypted: what {@code pendingOutboundBytes()}
 * reports, what {@code MAX_PENDING_BYTES} bounds (§4.4), and what counts toward the channel's
 * writability (§4.3). One thread, the event loop, uses it.
 */
final class WriteQueue {
    private final ArrayDeque<PendingWrite> writes = new ArrayDeque<>();
    private int flushedCount;
    private long pendingBytes;

    long pendingBytes() {
        return pendingBytes;
    }

    boolean isEmpty() {
        return writes.isEmpty();
    }

    void add(Object message, ByteBuf buf, ChannelPromise promise) {
        PendingWrite write = new PendingWrite(message, buf, promise);
        writes.addLast(write);
        pendingBytes += write.length;
    }

    /** {@code flush()}: everything queued so far may now be encrypted. */
    void markAllFlushed() {
        flushedCount = writes.size();
    }

    boolean hasFlushed() {
        return flushedCount > 0;
    }

    int flushedCount() {
        return flushedCount;
    }

    /** The oldest flushed write, or null. */
    PendingWrite firstFlushed() {
        return flushedCount > 0 ? writes.peekFirst() : null;
    }

    /**
     * {@code n} bytes of the first flushed write went into a record. A write leaves the queue when its
     * last byte is encrypted (a zero-length write at once); from then on the batches that carry it
     * complete it.
     */
    void encrypted(PendingWrite write, int n) {
        assert write == writes.peekFirst();
        write.encrypted(n);
        pendingBytes -= n;
        if (write.unencrypted() == 0) {
            writes.pollFirst();
            flushedCount--;
        }
    }

    /**
     * §4.5, {@code PARTIAL_WRITE} under back-pressure: the first write, if some of its records are
     * already encrypted, ends with those. Its unencrypted rest is dropped from the queue, unsent;
     * the write succeeds when the transport has written the records it has, with its buffer's
     * readerIndex just past them. A write with nothing encrypted yet waits for its first record.
     */
    void endStartedWrite() {
        PendingWrite first = firstFlushed();
        if (first == null || first.encrypted == 0 || first.unencrypted() == 0) {
            return;
        }
        writes.pollFirst();
        flushedCount--;
        pendingBytes -= first.unencrypted();
        first.truncateToEncrypted();
    }

    /** Fails and releases every queued write; they are all gone from the queue afterwards. */
    void failAll(Throwable cause) {
        PendingWrite write;
        while ((write = writes.pollFirst()) != null) {
            pendingBytes -= write.unencrypted();
            write.fail(cause);
        }
        flushedCount = 0;
    }
}
