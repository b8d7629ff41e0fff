package io.sslwrite;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.FileRegion;
import io.netty.handler.codec.UnsupportedMessageTypeException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.AbstractScheduledEventExecutor;

import javax.net.ssl.SSLException;
import java.io.IOException;

/**
 * The write path (§4.1-4.5): queues the application's writes, and encrypts flushed ones, one batch
 * per pass, while application data may be written and the ciphertext in flight is below the high
 * water mark (§4.3: never {@code isWritable()}, which our own queued plaintext moves), and at most
 * {@link #MAX_BATCHES_PER_TURN} passes per turn of the event loop, whatever the high water mark.
 */
final class WritePump implements Batch.Owner {

    /**
     * Passes one turn of the event loop encrypts at most (1 MiB of plaintext) before yielding: both
     * the room the high water mark leaves and the room a transport that completes writes at once
     * keeps making are spent in slices of this size.
     */
    static final int MAX_BATCHES_PER_TURN = 16;

    private final Connection conn;
    private final RecordSizer sizer;
    private boolean encrypting;
    private boolean encryptAgain;
    private boolean resumeScheduled;

    WritePump(Connection conn) {
        this.conn = conn;
        this.sizer = new RecordSizer(conn.options);
    }

    /** After each handshake: records are sized for the negotiated suite (§4.8). */
    void negotiated(SslWriteSession session) {
        sizer.negotiated(session);
    }

    void write(Object msg, ChannelPromise promise) {
        if (conn.state() == ConnectionState.PLAINTEXT && passPlaintext(msg, promise)) {
            return;
        }
        PendingWrite write;
        if (msg instanceof ByteBuf buf) {
            write = PendingWrite.of(msg, buf, promise);
        } else if (msg instanceof ByteBufHolder holder) {
            write = PendingWrite.of(msg, holder.content(), promise);
        } else if (msg instanceof FileRegion region) {
            write = PendingWrite.of(region, promise);
        } else {
            ReferenceCountUtil.release(msg);
            promise.tryFailure(new UnsupportedMessageTypeException(msg, ByteBuf.class, ByteBufHolder.class,
                    FileRegion.class));
            return;
        }
        SSLException refusal = refusal();
        if (refusal != null) {
            write.fail(refusal);
        } else if (conn.queue.offer(write, conn.options.maxPendingBytes())) {
            conn.queue.updateWritability(conn.ctx.channel());
        } else {
            conn.stats.writeRefused();
        }
    }

    /** Why the connection takes no write in its present phase, or null if it does. */
    private SSLException refusal() {
        ConnectionState state = conn.state();
        if (state.hasEnded()) {
            Throwable ended = conn.sslClosePromise.cause();
            SSLException e = new SSLException("write refused: the TLS connection "
                    + (conn.ending().failed ? "failed earlier" : "is closed")
                    + (ended != null ? " (" + ended.getMessage() + ")" : "") + "; open a new connection");
            e.initCause(ended);
            return e;
        }
        if (state.isClosing()) {
            return new SSLException("write refused: close() was already called and the connection is closing");
        }
        if (state == ConnectionState.RENEGOTIATING && !conn.options.autoRetry()) {
            return new SslWantReadException("write refused: TLS 1.2 renegotiation in progress and AUTO_RETRY"
                    + " is off; write again after SslRenegotiationEvent.COMPLETED");
        }
        return null;
    }

    /**
     * STARTTLS: before the first flush, a write goes to the transport as it is (a holder's content, which
     * is all a socket takes); other types are refused as always.
     */
    private boolean passPlaintext(Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf || msg instanceof FileRegion) {
            conn.ctx.write(msg, promise);
        } else if (msg instanceof ByteBufHolder holder) {
            ByteBuf content = holder.content().retain();
            holder.release();
            conn.ctx.write(content, promise);
        } else {
            return false;
        }
        return true;
    }

    void flush() {
        if (conn.state() == ConnectionState.PLAINTEXT) {
            conn.endPlaintext(conn.ctx::flush);
            return;
        }
        conn.queue.markAllFlushed();
        if (!encryptAndWrite()) {
            conn.ctx.flush();
        }
    }

    /**
     * Encrypts and flushes what the budget allows. A flush that the transport completes at once calls
     * back through {@link #batchWritten}, which only asks for another round, so a long stream runs as
     * a loop, not a recursion. Then, with {@code PARTIAL_WRITE}, a write cut short by back-pressure
     * ends with what it has committed (§4.5), and if close() waits for the queue, close_notify follows.
     *
     * @return whether anything was written (and flushed)
     */
    boolean encryptAndWrite() {
        if (encrypting) {
            encryptAgain = true;
            return false;
        }
        if (!conn.state().mayWriteApplicationData()) {
            return false;
        }
        encrypting = true;
        boolean wrote = false;
        try {
            wrote = pump();
        } finally {
            encrypting = false;
        }
        if (conn.state() == ConnectionState.CLOSING && conn.queue.isEmpty()) {
            conn.queueDrained();
            wrote = true;
        }
        conn.queue.updateWritability(conn.ctx.channel());
        return wrote;
    }

    private boolean pump() {
        ChannelHandlerContext ctx = conn.ctx;
        // Read once per pass: a setOption from another thread between two reads could pack records
        // across writes and then cut one of them off a record boundary (§4.5).
        boolean partialWrite = conn.options.partialWrite();
        int batches = 0;
        boolean wrote = false;
        do {
            encryptAgain = false;
            boolean wroteThisRound = false;
            while (batches < MAX_BATCHES_PER_TURN && mayEncryptMore()) {
                Batch batch = conn.encoder.newBatch();
                ByteBuf out;
                try {
                    conn.encoder.encrypt(conn.queue, sizer, now(), partialWrite, batch);
                    out = conn.encoder.takeOutput(batch);
                    conn.stats.encrypted(batch.plaintextBytes);
                } catch (IOException | RuntimeException e) {
                    // Writes whose last byte is in this batch have left the queue: they fail with it.
                    SSLException cause = conn.events.failure(e);
                    batch.fail(cause);
                    conn.encoder.written(batch);
                    conn.end(Ending.FATAL, cause);
                    return wrote;
                }
                boolean flushAlone = batch.flushAlone;
                ctx.write(out != null ? out : Unpooled.EMPTY_BUFFER, ctx.newPromise().addListener(batch));
                wroteThisRound = true;
                batches++;
                if (flushAlone) {
                    encryptAgain = true; // after the flush, whether or not the transport completes it at once
                    break;
                }
            }
            if (wroteThisRound) {
                wrote = true;
                ctx.flush();
            }
            if (batches >= MAX_BATCHES_PER_TURN && (encryptAgain || mayEncryptMore())) {
                // A high water mark of megabytes, or a socket that takes every write at once, would
                // keep this going until the queue is empty; other channels of the event loop get
                // their turn first.
                encryptAgain = false;
                resumeLater();
            }
        } while (encryptAgain);
        // §4.5 vs §4.7: the cut belongs to back-pressure; close() sends every queued byte (or, if the
        // close timer passes first, fails the write), so a write never succeeds short of a close.
        if (partialWrite && conn.state() != ConnectionState.CLOSING && !underHighWaterMark()) {
            conn.queue.endStartedWrite();
        }
        return wrote;
    }

    /** The budget (§4.3, STYLE "Name the budget"): our own ciphertext in flight, never isWritable(). */
    private boolean mayEncryptMore() {
        return conn.state().mayWriteApplicationData() && conn.queue.hasFlushed() && underHighWaterMark();
    }

    private boolean underHighWaterMark() {
        return conn.encoder.ciphertextInFlight() < conn.ctx.channel().config().getWriteBufferHighWaterMark();
    }

    /** Encrypts more on a later turn of the event loop, once, however often it is asked. */
    private void resumeLater() {
        if (!resumeScheduled) {
            resumeScheduled = true;
            conn.ctx.executor().execute(() -> {
                resumeScheduled = false;
                encryptAndWrite();
            });
        }
    }

    /** The transport finished with a batch: complete its writes, then encrypt more into the room made. */
    @Override
    public void batchWritten(Batch batch, ChannelFuture future) {
        if (future.isSuccess()) {
            batch.acknowledge();
        } else {
            conn.closer.transportFailed(future.cause());
            batch.fail(conn.sslClosePromise.cause() != null ? conn.sslClosePromise.cause() : future.cause());
        }
        conn.encoder.written(batch);
        if (future.isSuccess()) {
            encryptAndWrite();
        }
    }

    /** The event loop's clock: {@code EmbeddedChannel} tests can freeze and advance it. */
    private long now() {
        return conn.ctx.executor() instanceof AbstractScheduledEventExecutor scheduled
                ? scheduled.ticker().nanoTime() : System.nanoTime();
    }
}
