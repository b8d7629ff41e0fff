package io.sslwrite;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;

import java.util.ArrayDeque;

/**
 * Application writes not yet fully encrypted, in order, as the caller's messages (DESIGN §4.1: queued
 * as they are, never copied here). The first {@link #flushedCount} entries have been flushed and may
 * be encrypted; the rest wait for the next {@code flush()}.
 *
 * <p>{@link #pendingBytes} is the plaintext held in memory and not yet encrypted: what
 * {@code pendingOutboundBytes()} reports, what {@code MAX_PENDING_BYTES} bounds (§4.4), and what
 * counts toward the channel's writability (§4.3). A {@code FileRegion} is not in memory and counts
 * 0, as in Netty's own outbound buffer. The event loop changes it; {@link #pendingBytes} is read
 * from any thread.
 */
final class WriteQueue {
    /** The user-defined writability bit through which queued plaintext counts toward writability. */
    static final int PLAINTEXT_WRITABILITY_INDEX = 12;

    /** Starts small: most connections hold a write or two at a time, and it grows as needed. */
    private final ArrayDeque<PendingWrite> writes = new ArrayDeque<>(2);
    private int flushedCount;
    private volatile long pendingBytes;

    long pendingBytes() {
        return pendingBytes;
    }

    boolean isEmpty() {
        return writes.isEmpty();
    }

    /**
     * Queues {@code write}, or fails it at once with {@link SslWantWriteException} if it would take the
     * queued plaintext past {@code maxPendingBytes} (§4.4); earlier writes are unaffected.
     *
     * @return whether the write was queued
     */
    boolean offer(PendingWrite write, int maxPendingBytes) {
        long queued = pendingBytes;
        long length = write.memoryBytes();
        if (queued + length > maxPendingBytes) {
            write.fail(new SslWantWriteException("write of " + length + " bytes refused: " + queued
                    + " bytes already queued, MAX_PENDING_BYTES is " + maxPendingBytes));
            return false;
        }
        writes.addLast(write);
        pendingBytes = queued + length;
        return true;
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

    /** Unencrypted bytes of the flushed writes, oldest first, counted until they reach {@code limit}. */
    long flushedBytes(long limit) {
        long bytes = 0;
        int counted = 0;
        for (PendingWrite write : writes) {
            if (counted++ == flushedCount || bytes >= limit) {
                break;
            }
            bytes += write.unencrypted();
        }
        return bytes;
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
        if (write.isInMemory()) {
            pendingBytes -= n;
        }
        if (write.unencrypted() == 0) {
            removeFirst();
        }
    }

    /**
     * §4.5, {@code PARTIAL_WRITE} under back-pressure: the first write, if some of its records are
     * already encrypted, ends with those. Its unencrypted rest is dropped from the queue, unsent;
     * the write succeeds when the transport has written the records it has, with its buffer's
     * readerIndex (a region's {@code transferred()}) just past them. A write with nothing encrypted
     * yet waits for its first record, and one that shared a record with another write (packed
     * before PARTIAL_WRITE was turned on) is never cut.
     */
    void endStartedWrite() {
        PendingWrite first = firstFlushed();
        if (first == null || !first.mayEndShort() || first.unencrypted() == 0) {
            return;
        }
        removeFirst();
        first.truncateToEncrypted();
    }

    /**
     * The first write cannot go on (its FileRegion failed to read): it fails alone, and the writes
     * after it are untouched. Records of it already sent stay sent.
     */
    void failFirst(Throwable cause) {
        PendingWrite first = writes.peekFirst();
        if (first != null) {
            removeFirst();
            first.fail(cause);
        }
    }

    private void removeFirst() {
        PendingWrite first = writes.pollFirst();
        pendingBytes -= first.memoryBytes();
        if (flushedCount > 0) {
            flushedCount--;
        }
    }

    /**
     * Queued plaintext counts toward the channel's writability (§4.3) through a user-defined
     * writability bit: unwritable while plaintext and transport bytes together pass the high water
     * mark, writable again below the low one, as the outbound buffer does for its own bytes.
     */
    void updateWritability(Channel channel) {
        ChannelOutboundBuffer out = channel.unsafe().outboundBuffer();
        if (out == null) {
            return;
        }
        long queued = pendingBytes;
        long total = queued + out.totalPendingWriteBytes();
        boolean writable = out.getUserDefinedWritability(PLAINTEXT_WRITABILITY_INDEX);
        if (writable && queued > 0 && total > channel.config().getWriteBufferHighWaterMark()) {
            out.setUserDefinedWritability(PLAINTEXT_WRITABILITY_INDEX, false);
        } else if (!writable && (queued == 0 || total < channel.config().getWriteBufferLowWaterMark())) {
            out.setUserDefinedWritability(PLAINTEXT_WRITABILITY_INDEX, true);
        }
    }

    /** The handler leaves the pipeline: its plaintext no longer holds the channel unwritable. */
    void setPlaintextWritable(Channel channel) {
        ChannelOutboundBuffer out = channel.unsafe().outboundBuffer();
        if (out != null) {
            out.setUserDefinedWritability(PLAINTEXT_WRITABILITY_INDEX, true);
        }
    }

    /** Fails and releases every queued write; they are all gone from the queue afterwards. */
    void failAll(Throwable cause) {
        PendingWrite write;
        while ((write = writes.pollFirst()) != null) {
            pendingBytes -= write.memoryBytes();
            write.fail(cause);
        }
        flushedCount = 0;
    }
}
