package io.sslwrite.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;

/**
 * A client and a server on {@link EmbeddedChannel}s, wired by hand: whatever one side writes is
 * handed to the other as inbound bytes when the benchmark says so. No sockets and no threads, so a
 * benchmark times only the TLS handlers and the pipeline around them.
 */
final class EmbeddedPair implements AutoCloseable {

    /** More round trips than any TLS 1.3 handshake needs; past it the pair is stuck, not slow. */
    private static final int MAX_HANDSHAKE_ROUNDS = 32;

    final EmbeddedChannel client;
    final EmbeddedChannel server;
    final ChannelHandler clientTls;
    final ChannelHandler serverTls;
    final ByteSink clientSink = new ByteSink();
    final ByteSink serverSink = new ByteSink();

    private EmbeddedPair(Tls tls, ByteBufAllocator alloc) throws Exception {
        client = unregistered(alloc);
        server = unregistered(alloc);
        clientTls = tls.newClientHandler(alloc);
        serverTls = tls.newServerHandler(alloc);
        client.pipeline().addLast(clientTls, clientSink);
        server.pipeline().addLast(serverTls, serverSink);
        // Registering makes the channel active: the client's handshake starts here, as on a socket.
        server.register();
        client.register();
    }

    private static EmbeddedChannel unregistered(ByteBufAllocator alloc) {
        // Registered only after the allocator is set, so every buffer a handler takes comes from it.
        EmbeddedChannel ch = new EmbeddedChannel(false, false);
        ch.config().setAllocator(alloc);
        return ch;
    }

    /**
     * A pair whose handshake has completed on both sides, with every post-handshake message (TLS 1.3
     * session tickets, for engines that send them) already delivered, so nothing left over from the
     * handshake lands in a timed write.
     */
    static EmbeddedPair handshaken(Tls tls, ByteBufAllocator alloc) throws Exception {
        EmbeddedPair pair = new EmbeddedPair(tls, alloc);
        try {
            pair.handshake();
            return pair;
        } catch (Throwable t) {
            pair.close();
            throw t;
        }
    }

    private void handshake() throws Exception {
        Future<?> clientDone = Handlers.handshakeFuture(clientTls);
        Future<?> serverDone = Handlers.handshakeFuture(serverTls);
        int rounds = 0;
        while (!(clientDone.isDone() && serverDone.isDone())) {
            boolean moved = clientToServer() | serverToClient();
            if (!moved || ++rounds > MAX_HANDSHAKE_ROUNDS) {
                throw new IllegalStateException("handshake stuck after " + rounds + " rounds: client "
                        + state(clientDone) + ", server " + state(serverDone));
            }
        }
        for (Future<?> f : new Future<?>[] {clientDone, serverDone}) {
            if (!f.isSuccess()) {
                throw new IllegalStateException("handshake failed: " + f.cause(), f.cause());
            }
        }
        settle();
    }

    private static String state(Future<?> f) {
        return !f.isDone() ? "not done" : f.isSuccess() ? "done" : "failed: " + f.cause();
    }

    /** Delivers in both directions until neither side has anything more to say. */
    void settle() {
        for (int i = 0; i < MAX_HANDSHAKE_ROUNDS; i++) {
            if (!(clientToServer() | serverToClient())) {
                return;
            }
        }
        throw new IllegalStateException("the pair keeps talking after " + MAX_HANDSHAKE_ROUNDS + " rounds");
    }

    /** Hands the client's ciphertext to the server; {@code true} if there was any. */
    boolean clientToServer() {
        return transfer(client, server);
    }

    boolean serverToClient() {
        return transfer(server, client);
    }

    private static boolean transfer(EmbeddedChannel from, EmbeddedChannel to) {
        boolean any = false;
        for (Object msg; (msg = from.readOutbound()) != null; ) {
            to.writeOneInbound(msg);
            any = true;
        }
        if (any) {
            // One read-complete per batch of buffers, as a socket read loop gives.
            to.flushInbound();
        }
        return any;
    }

    /** Drops the client's ciphertext unread, for a benchmark that times only encryption. */
    long discardClientOutbound() {
        long bytes = 0;
        for (Object msg; (msg = client.readOutbound()) != null; ) {
            if (msg instanceof ByteBuf) {
                bytes += ((ByteBuf) msg).readableBytes();
            }
            ReferenceCountUtil.release(msg);
        }
        return bytes;
    }

    @Override
    public void close() {
        // Both sides send close_notify on close; it is released with everything else still queued.
        client.finishAndReleaseAll();
        server.finishAndReleaseAll();
    }
}
