package io.sslwrite.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.util.ReferenceCountUtil;

import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;

/**
 * A transport that takes writes but does not send them until the test says so: sslwrite's
 * {@code bio_s_always_retry}. Put it first in an {@code EmbeddedChannel}'s pipeline, under the
 * {@code SslWriteHandler}; while it holds, every write (message and promise) stays here, its promise
 * not done, as on a socket whose send buffer is full. {@link #releaseAll()}, {@link #releaseWrites(int)}
 * and {@link #releaseBytes(long)} pass held writes on to the channel, where they show in
 * {@code readOutbound()}, and complete their promises.
 *
 * <p>Held bytes count toward the channel's writability as a socket's unsent bytes do: above the write
 * buffer high water mark the channel turns unwritable (user-defined writability bit
 * {@value #WRITABILITY_INDEX}), and writable again below the low water mark.
 *
 * <p>A handler of one channel: {@code new} one per pipeline. Event-loop thread only, like any handler.
 */
public final class StallingTransport extends ChannelOutboundHandlerAdapter {

    /** User-defined writability bit that this transport drives; bit 0 is left to others. */
    public static final int WRITABILITY_INDEX = 7;

    private record Held(Object msg, ChannelPromise promise) { }

    private final ArrayDeque<Held> held = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private boolean holding;
    private long heldBytes;
    private long releasedBytes;
    private int releasedWrites;

    private StallingTransport(boolean holding) {
        this.holding = holding;
    }

    /** A transport that holds every write until released. */
    public static StallingTransport holdingAllWrites() {
        return new StallingTransport(true);
    }

    /** A transport that passes writes through until {@link #hold()} is called. */
    public static StallingTransport passingAllWrites() {
        return new StallingTransport(false);
    }

    /** From now on, hold every write. */
    public StallingTransport hold() {
        holding = true;
        return this;
    }

    /** Release what is held and let every later write through. */
    public StallingTransport pass() {
        holding = false;
        releaseAll();
        return this;
    }

    public boolean isHolding() {
        return holding;
    }

    /** Readable bytes of the held writes (ByteBuf and ByteBufHolder; other messages count 0). */
    public long heldBytes() {
        return heldBytes;
    }

    public int heldWrites() {
        return held.size();
    }

    /** Bytes passed on to the channel since this transport was added, whether held first or not. */
    public long releasedBytes() {
        return releasedBytes;
    }

    /** Writes passed on whole to the channel since this transport was added. */
    public int releasedWrites() {
        return releasedWrites;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!holding) {
            forward(msg, promise);
            return;
        }
        held.add(new Held(msg, promise));
        heldBytes += bytesOf(msg);
        updateWritability();
    }

    /** A flush while holding has nothing to send; the flush of a release sends what was released. */
    @Override
    public void flush(ChannelHandlerContext ctx) {
        if (!holding) {
            ctx.flush();
        }
    }

    /** Closing fails what is held, as closing a socket drops what it had not sent. */
    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        failHeld(new ClosedChannelException());
        ctx.close(promise);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        failHeld(new ClosedChannelException());
    }

    /** Drops every held write: releases it and fails its promise, as a connection reset would. */
    public void discardHeld() {
        failHeld(new ClosedChannelException());
        if (ctx != null) {
            updateWritability();
        }
    }

    /** Send every held write; their promises complete. */
    public void releaseAll() {
        releaseBytes(Long.MAX_VALUE);
    }

    /** Send the first {@code count} held writes whole. */
    public void releaseWrites(int count) {
        if (ctx == null) {
            return;
        }
        for (int i = 0; i < count && !held.isEmpty(); i++) {
            Held next = held.poll();
            heldBytes -= bytesOf(next.msg());
            forward(next.msg(), next.promise());
        }
        ctx.flush();
        updateWritability();
    }

    /**
     * Send exactly {@code count} held bytes (or all there are), as a socket that accepts part of what it
     * was given: a write cut in the middle passes on its first part and stays held, its promise not done,
     * until the rest goes.
     */
    public void releaseBytes(long count) {
        if (ctx == null) {
            return;
        }
        long budget = count;
        while (!held.isEmpty() && budget > 0) {
            Held next = held.peek();
            long size = bytesOf(next.msg());
            if (size <= budget || !(next.msg() instanceof ByteBuf buf)) {
                held.poll();
                heldBytes -= size;
                budget -= size;
                forward(next.msg(), next.promise());
            } else {
                int part = (int) budget;
                heldBytes -= part;
                budget = 0;
                releasedBytes += part;
                ctx.write(buf.readRetainedSlice(part));
            }
        }
        // A zero-length write at the head goes with whatever released before it.
        while (!held.isEmpty() && bytesOf(held.peek().msg()) == 0 && count > 0) {
            Held next = held.poll();
            forward(next.msg(), next.promise());
        }
        ctx.flush();
        updateWritability();
    }

    private void forward(Object msg, ChannelPromise promise) {
        releasedBytes += bytesOf(msg);
        releasedWrites++;
        ctx.write(msg, promise);
    }

    private void failHeld(Throwable cause) {
        for (Held next; (next = held.poll()) != null; ) {
            ReferenceCountUtil.release(next.msg());
            next.promise().tryFailure(cause);
        }
        heldBytes = 0;
    }

    private void updateWritability() {
        ChannelOutboundBuffer buffer = ctx.channel().unsafe().outboundBuffer();
        if (buffer == null) {
            return;
        }
        if (heldBytes > ctx.channel().config().getWriteBufferHighWaterMark()) {
            buffer.setUserDefinedWritability(WRITABILITY_INDEX, false);
        } else if (heldBytes < ctx.channel().config().getWriteBufferLowWaterMark()) {
            buffer.setUserDefinedWritability(WRITABILITY_INDEX, true);
        }
    }

    private static long bytesOf(Object msg) {
        if (msg instanceof ByteBuf buf) {
            return buf.readableBytes();
        }
        if (msg instanceof ByteBufHolder holder) {
            return holder.content().readableBytes();
        }
        return 0;
    }
}
