package io.sslwrite;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.bouncycastle.tls.ByteQueueOutputStream;

/**
 * Where bctls writes the records it makes: straight into a pooled buffer that the handler hands to the
 * transport as it is, in place of bctls's own output queue.
 *
 * <p>bctls's non-blocking protocols write every record into a {@code ByteQueue} whose array grows to
 * the largest output ever queued and never shrinks (a 64 KiB pass leaves 128 KiB behind on every
 * connection), and {@code readOutput} copies the records out once more. With this stream, an encoded
 * record is copied once, from the cipher's output into the buffer that goes to the transport, and a
 * connection with nothing to send holds nothing: the buffer is handed over whole by {@link #take}.
 *
 * <p>It extends bctls's {@code ByteQueueOutputStream} because that is the type of the protocol's
 * {@code outputBuffer} field; its own queue stays empty. One thread, the event loop, uses it.
 */
final class ProtocolOutput extends ByteQueueOutputStream {
    /** Handshake messages and alerts: a first buffer that holds a typical flight without growing. */
    private static final int MIN_CAPACITY = 2048;

    private final ByteBufAllocator alloc;
    private ByteBuf pending;

    ProtocolOutput(ByteBufAllocator alloc) {
        this.alloc = alloc;
    }

    /**
     * Makes room for {@code bytes} more before records are written, so that a pass of several records
     * fills one buffer without copying it as it grows. {@code firstCapacity} is the capacity to start
     * with if no buffer is pending yet: the whole pass's estimate.
     */
    void reserve(int bytes, int firstCapacity) {
        if (pending == null) {
            pending = alloc.directBuffer(Math.max(bytes, firstCapacity));
        } else {
            pending.ensureWritable(bytes);
        }
    }

    @Override
    public void write(byte[] b, int off, int len) {
        if (pending == null) {
            pending = alloc.directBuffer(Math.max(len, MIN_CAPACITY));
        }
        pending.writeBytes(b, off, len);
    }

    @Override
    public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    /** Bytes written and not yet taken. */
    int available() {
        return pending == null ? 0 : pending.readableBytes();
    }

    /** Everything written since the last call, or null if nothing was; the caller owns the buffer. */
    ByteBuf take() {
        ByteBuf out = pending;
        pending = null;
        if (out != null && !out.isReadable()) {
            out.release(); // reserved for a pass that wrote no record
            return null;
        }
        return out;
    }

    /** bctls's {@code readOutput(byte[], int, int)} on this stream: copies and consumes. */
    int read(byte[] buffer, int offset, int length) {
        int n = Math.min(available(), length);
        if (n > 0) {
            pending.readBytes(buffer, offset, n);
            releaseIfEmpty();
        }
        return n;
    }

    /** bctls's {@code readOutput(ByteBuffer, int)} on this stream: copies and consumes. */
    int read(java.nio.ByteBuffer buffer, int length) {
        int n = Math.min(available(), length);
        if (n > 0) {
            pending.readBytes(buffer.duplicate().limit(buffer.position() + n));
            buffer.position(buffer.position() + n);
            releaseIfEmpty();
        }
        return n;
    }

    private void releaseIfEmpty() {
        if (!pending.isReadable()) {
            release();
        }
    }

    /** Drops what was not taken: the connection is gone. */
    void release() {
        if (pending != null) {
            pending.release();
            pending = null;
        }
    }
}
