package io.sslwrite;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelProgressivePromise;
import io.netty.channel.ChannelPromise;
import io.netty.util.ReferenceCountUtil;

/**
 * One application write: the caller's message, uncopied, and its promise. Bytes move through three
 * counts, {@code acknowledged <= encrypted <= length}: handed to bctls, then reported written by the
 * transport. The write ends in exactly one of {@link #succeed()} or {@link #fail(Throwable)}, which
 * release the message and complete the promise together; later calls are no-ops, since a write that
 * spans several batches can be failed by each of them.
 */
final class PendingWrite {
    private final Object message;
    final ByteBuf buf;
    final ChannelPromise promise;
    int length;
    int encrypted;
    int acknowledged;
    private boolean done;

    PendingWrite(Object message, ByteBuf buf, ChannelPromise promise) {
        this.message = message;
        this.buf = buf;
        this.promise = promise;
        this.length = buf.readableBytes();
    }

    int unencrypted() {
        return length - encrypted;
    }

    /** Index in {@link #buf} of the first byte not yet encrypted. */
    int nextIndex() {
        return buf.readerIndex();
    }

    /** {@code n} more bytes went into a record; the buffer's readerIndex follows them. */
    void encrypted(int n) {
        encrypted += n;
        buf.skipBytes(n);
    }

    /**
     * The transport wrote the record carrying {@code n} more bytes of this write. A
     * {@link ChannelProgressivePromise} hears of it record by record; the last byte completes the write.
     */
    void acknowledge(int n) {
        if (done) {
            return;
        }
        acknowledged += n;
        if (n > 0 && promise instanceof ChannelProgressivePromise progressive) {
            progressive.tryProgress(acknowledged, length);
        }
        if (acknowledged == length) {
            succeed();
        }
    }

    /**
     * {@code PARTIAL_WRITE}: the write is what has been encrypted so far; the buffer keeps its
     * readerIndex just past those bytes, where the caller finds the unsent rest.
     */
    void truncateToEncrypted() {
        length = encrypted;
        if (acknowledged == length) {
            succeed();
        }
    }

    boolean isDone() {
        return done;
    }

    void succeed() {
        if (done) {
            return;
        }
        done = true;
        ReferenceCountUtil.release(message);
        promise.trySuccess();
    }

    void fail(Throwable cause) {
        if (done) {
            return;
        }
        done = true;
        ReferenceCountUtil.release(message);
        promise.tryFailure(cause);
    }
}
