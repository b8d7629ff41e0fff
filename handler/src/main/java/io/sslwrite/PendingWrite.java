package io.sslwrite;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelProgressivePromise;
import io.netty.channel.ChannelPromise;
import io.netty.channel.FileRegion;
import io.netty.util.ReferenceCountUtil;

import java.io.IOException;

/**
 * One application write: the caller's message, uncopied, and its promise. Its plaintext is a
 * {@link ByteBuf} (of a {@code ByteBuf} or {@code ByteBufHolder} message) or a {@link FileRegion},
 * read only as records need it. Bytes move through three counts,
 * {@code acknowledged <= encrypted <= length}: handed to bctls, then reported written by the
 * transport.
 *
 * <p>The write ends in exactly one of {@link #succeed()} or {@link #fail(Throwable)}, which release
 * the message and complete the promise together; later calls are no-ops, since a write that spans
 * several batches can be failed by each of them.
 */
final class PendingWrite {
    private final Object message;
    private final ByteBuf buf;
    private final FileRegion region;
    private final ChannelPromise promise;
    private long length;
    private long encrypted;
    private long acknowledged;
    private boolean done;
    /** Some of its bytes went into a record packed with another write's (PARTIAL_WRITE was off). */
    private boolean sharedRecord;

    private PendingWrite(Object message, ByteBuf buf, FileRegion region, long length, ChannelPromise promise) {
        this.message = message;
        this.buf = buf;
        this.region = region;
        this.length = length;
        this.promise = promise;
    }

    static PendingWrite of(Object message, ByteBuf buf, ChannelPromise promise) {
        return new PendingWrite(message, buf, null, buf.readableBytes(), promise);
    }

    static PendingWrite of(FileRegion region, ChannelPromise promise) {
        return new PendingWrite(region, null, region, region.count() - region.transferred(), promise);
    }

    /**
     * Plaintext held in memory: counts toward {@code MAX_PENDING_BYTES} and writability. A region is
     * a file, as Netty's own size estimator says of it (0 bytes).
     */
    long memoryBytes() {
        return isInMemory() ? unencrypted() : 0;
    }

    boolean isInMemory() {
        return region == null;
    }

    long unencrypted() {
        return length - encrypted;
    }

    /** The backing array of a heap buffer, to encrypt from without a copy; null otherwise. */
    byte[] array() {
        return buf != null && buf.hasArray() ? buf.array() : null;
    }

    /** Offset in {@link #array()} of the first byte not yet encrypted. */
    int arrayOffset() {
        return buf.arrayOffset() + buf.readerIndex();
    }

    /** Copies the next {@code n} unencrypted bytes into {@code dst} without consuming them. */
    void copyTo(byte[] dst, int off, int n, RegionReader reader) throws IOException {
        if (buf != null) {
            buf.getBytes(buf.readerIndex(), dst, off, n);
        } else {
            reader.read(region, dst, off, n);
        }
    }

    /**
     * {@code n} more bytes went into a record; a buffer's readerIndex follows them (a region's
     * {@code transferred()} did as they were read).
     */
    void encrypted(int n) {
        encrypted += n;
        if (buf != null) {
            buf.skipBytes(n);
        }
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

    void sharedRecord() {
        sharedRecord = true;
    }

    /**
     * Whether PARTIAL_WRITE may end this write with what it has sent (§4.5): only if its records are
     * all its own, so that what it sent is a whole number of its own records.
     */
    boolean mayEndShort() {
        return encrypted > 0 && !sharedRecord;
    }

    /**
     * §4.5, {@code PARTIAL_WRITE}: the write is what has been encrypted so far, and those records are
     * with the transport, committed: it succeeds now, without waiting for a peer that may never read.
     * A buffer keeps its readerIndex just past those bytes, a region its {@code transferred()}, where
     * the caller finds the unsent rest.
     */
    void truncateToEncrypted() {
        length = encrypted;
        succeed();
    }

    /** Reading this write's {@code FileRegion} failed: the exception it fails with (§4.9). */
    IOException readFailure(Throwable e) {
        return new IOException("reading the FileRegion of this write failed after " + encrypted + " of "
                + length + " bytes: " + e.getMessage(), e);
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
