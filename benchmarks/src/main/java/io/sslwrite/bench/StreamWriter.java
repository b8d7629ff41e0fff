package io.sslwrite.bench;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * A well-behaved streaming application: writes one message after another while the channel is
 * writable, flushes every 64 KiB and whenever it stops, and resumes on
 * {@code channelWritabilityChanged}. Queued plaintext and ciphertext both count toward writability,
 * so this is the writer whose memory any TLS handler should be able to keep bounded.
 */
final class StreamWriter extends ChannelInboundHandlerAdapter {

    private final ByteBuf message;
    private final int flushEveryBytes;
    private ChannelHandlerContext ctx;
    private long remaining;

    /** {@code message} is shared: each write sends a duplicate of it, the caller keeps and releases it. */
    StreamWriter(ByteBuf message, int flushEveryBytes) {
        this.message = message;
        this.flushEveryBytes = flushEveryBytes;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /** Starts writing {@code bytes} (a multiple of the message size) from the channel's event loop. */
    void start(long bytes) {
        ctx.executor().execute(() -> {
            remaining += bytes;
            writeWhileWritable();
        });
    }

    private void writeWhileWritable() {
        int unflushed = 0;
        while (remaining > 0 && ctx.channel().isWritable()) {
            ctx.write(message.retainedDuplicate());
            remaining -= message.readableBytes();
            unflushed += message.readableBytes();
            if (unflushed >= flushEveryBytes) {
                ctx.flush();
                unflushed = 0;
            }
        }
        if (unflushed > 0) {
            ctx.flush();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            writeWhileWritable();
        }
        ctx.fireChannelWritabilityChanged();
    }
}
