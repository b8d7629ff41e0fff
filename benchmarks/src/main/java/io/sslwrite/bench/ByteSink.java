package io.sslwrite.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * The application on the reading side: counts the plaintext bytes that arrive and releases them at
 * once, so what is measured is the TLS handler and not a consumer. The count lets a benchmark check
 * that every byte written came out.
 */
class ByteSink extends ChannelInboundHandlerAdapter {

    private long received;

    long received() {
        return received;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof ByteBuf) {
                onBytes(((ByteBuf) msg).readableBytes());
            } else if (msg instanceof ByteBufHolder) {
                onBytes(((ByteBufHolder) msg).content().readableBytes());
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    /** Called on the channel's event loop for each plaintext buffer; subclasses watch for a target. */
    void onBytes(int count) {
        received += count;
    }
}
