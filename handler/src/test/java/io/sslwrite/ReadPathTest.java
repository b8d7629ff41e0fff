package io.sslwrite;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import io.sslwrite.testing.TestPki;
import io.sslwrite.testing.TlsPair;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** DESIGN §5: the read path frames records itself, whatever the transport's read sizes. */
class ReadPathTest {

    @Test
    void manyRecordsInOneReadAllArrive() {
        try (TlsPair pair = TlsPair.handshaken()) {
            pair.client().writeAndFlush(pair.heapBuffer(200_000));
            byte[] wire = pair.drainClient();
            pair.server().writeInbound(Unpooled.wrappedBuffer(wire));
            assertArrayEquals(TlsPair.pattern(200_000), pair.serverReceived());
            assertEquals(13, pair.serverReads(), "one channelRead per record");
        }
    }

    @Test
    void aHandshakeAndDataDeliveredOneByteAtATimeSucceed() throws Exception {
        SslWriteContext clientContext = SslWriteContext.forClient().trustManager(TestPki.caPem()).build();
        SslWriteContext serverContext = SslWriteContext.forServer(TestPki.serverCertPem(), TestPki.serverKeyPem()).build();
        EmbeddedChannel client = new EmbeddedChannel(false, false);
        EmbeddedChannel server = new EmbeddedChannel(false, false);
        SslWriteHandler clientHandler = clientContext.newHandler(client.alloc(), "localhost", 443);
        SslWriteHandler serverHandler = serverContext.newHandler(server.alloc());
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        client.pipeline().addLast(clientHandler);
        server.pipeline().addLast(serverHandler, new io.netty.channel.ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ByteBuf buf = (ByteBuf) msg;
                received.writeBytes(io.netty.buffer.ByteBufUtil.getBytes(buf));
                buf.release();
            }
        });
        server.register();
        client.register();
        try {
            client.writeAndFlush(Unpooled.wrappedBuffer(TlsPair.pattern(40_000)));
            for (int i = 0; i < 50 && received.size() < 40_000; i++) {
                moveSplit(client, server, 1);
                moveSplit(server, client, 1);
            }
            assertTrue(clientHandler.handshakeFuture().isSuccess());
            assertArrayEquals(TlsPair.pattern(40_000), received.toByteArray());
        } finally {
            client.finishAndReleaseAll();
            server.finishAndReleaseAll();
        }
    }

    @Test
    void recordsSplitAtRandomPointsArriveByteExact() {
        try (TlsPair pair = TlsPair.handshaken()) {
            pair.client().writeAndFlush(pair.heapBuffer(300_000));
            byte[] wire = pair.drainClient();
            Random random = new Random(7);
            for (int offset = 0; offset < wire.length; ) {
                int n = Math.min(wire.length - offset, 1 + random.nextInt(40_000));
                pair.server().writeInbound(Unpooled.wrappedBuffer(wire, offset, n));
                offset += n;
            }
            assertArrayEquals(TlsPair.pattern(300_000), pair.serverReceived());
        }
    }

    @Test
    void withAutoReadOffTheHandlerReadsOnWhileTheHandshakeOrARequestedReadIsUnanswered() throws Exception {
        SslWriteContext serverContext = SslWriteContext.forServer(TestPki.serverCertPem(), TestPki.serverKeyPem()).build();
        SslWriteContext clientContext = SslWriteContext.forClient().trustManager(TestPki.caPem()).build();
        EmbeddedChannel server = new EmbeddedChannel(false, false);
        server.config().setAutoRead(false);
        int[] reads = new int[1];
        server.pipeline().addLast(new ChannelOutboundHandlerAdapter() {
            @Override
            public void read(ChannelHandlerContext ctx) {
                reads[0]++;
                ctx.read();
            }
        });
        SslWriteHandler serverHandler = serverContext.newHandler(server.alloc());
        server.pipeline().addLast(serverHandler);
        EmbeddedChannel client = new EmbeddedChannel(false, false);
        client.pipeline().addLast(clientContext.newHandler(client.alloc(), "localhost", 443));
        server.register();
        client.register();
        try {
            int before = reads[0];
            for (Object msg; (msg = client.readOutbound()) != null; ) {
                server.writeInbound(msg); // the ClientHello: bytes for the handshake, nothing for the application
            }
            assertTrue(reads[0] > before, "a handshake must be read to its end even with autoRead off");
        } finally {
            client.finishAndReleaseAll();
            server.finishAndReleaseAll();
        }
    }

    private static void moveSplit(EmbeddedChannel from, EmbeddedChannel to, int chunk) {
        for (Object msg; (msg = from.readOutbound()) != null; ) {
            ByteBuf buf = (ByteBuf) msg;
            try {
                while (buf.isReadable()) {
                    to.writeInbound(buf.readRetainedSlice(Math.min(chunk, buf.readableBytes())));
                }
            } finally {
                ReferenceCountUtil.release(buf);
            }
        }
        to.runPendingTasks();
    }
}
