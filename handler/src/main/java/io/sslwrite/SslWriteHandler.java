package io.sslwrite;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelOption;
import io.netty.util.concurrent.Future;

/** SKELETON: being written. */
public final class SslWriteHandler extends ChannelDuplexHandler {
    SslWriteHandler(SslWriteContext context, ByteBufAllocator alloc, String peerHost, int peerPort) { }
    public Future<Channel> handshakeFuture() { throw new UnsupportedOperationException(); }
    public Future<Channel> sslCloseFuture() { throw new UnsupportedOperationException(); }
    public SslWriteSession session() { throw new UnsupportedOperationException(); }
    public <T> boolean setOption(ChannelOption<T> option, T value) { throw new UnsupportedOperationException(); }
    public <T> T getOption(ChannelOption<T> option) { throw new UnsupportedOperationException(); }
    public long pendingOutboundBytes() { throw new UnsupportedOperationException(); }
}
