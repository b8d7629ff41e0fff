package io.sslwrite.bench;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * A reader that consumes at a fixed rate, as a slow client on a thin link would: placed at the head
 * of the pipeline (before TLS), it turns {@code autoRead} off and asks the socket for bytes only
 * while it has budget, which a timer refills every {@link #TICK_MILLIS} ms. With a receive buffer of
 * at most 64 KiB per read, the rate overshoots by at most that much.
 */
final class PacedReader extends ChannelDuplexHandler {

    static final int TICK_MILLIS = 10;

    private final long bytesPerTick;
    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> timer;
    private boolean paced;
    private boolean reading;
    private long budget;

    PacedReader(long bytesPerSecond) {
        this.bytesPerTick = bytesPerSecond * TICK_MILLIS / 1000;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /** Starts pacing; until then the channel reads freely, so the handshake is not slowed. */
    void start() {
        ctx.executor().execute(() -> {
            paced = true;
            ctx.channel().config().setAutoRead(false);
            timer = ctx.executor().scheduleAtFixedRate(this::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
        });
    }

    private void tick() {
        // Unused budget does not pile up: an idle tick must not allow a burst later.
        budget = Math.min(budget + bytesPerTick, bytesPerTick);
        readIfBudget();
    }

    private void readIfBudget() {
        if (paced && budget > 0 && !reading && ctx.channel().isActive()) {
            reading = true;
            ctx.read();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (paced && msg instanceof ByteBuf) {
            budget -= ((ByteBuf) msg).readableBytes();
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        reading = false;
        ctx.fireChannelReadComplete();
        readIfBudget();
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        // While pacing, only the budget asks for bytes; a TLS handler asking for more waits its turn.
        if (!paced) {
            ctx.read();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (timer != null) {
            timer.cancel(false);
        }
        super.channelInactive(ctx);
    }
}
