package io.sslwrite;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.sslwrite.testing.TestPki;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DESIGN §4.3 over real sockets: a client streams 256 MiB to a server that reads 16 KiB at a time on a
 * timer. The rate of the reader is only a tool to keep the transport full; the assertions are on
 * bytes and bounds, checked at every write completion and by a periodic probe.
 */
class BackPressureLoopbackTest {

    private static final int WRITE = 64 * 1024;
    private static final long TOTAL = 256L << 20;
    /** Ciphertext of one encryption pass: 64 KiB of plaintext in four TLS 1.3 records. */
    private static final int BATCH_CIPHERTEXT = 4 * (5 + 16384 + 17);

    private EventLoopGroup group;
    private Channel serverChannel;
    private final CompletableFuture<byte[]> serverDigest = new CompletableFuture<>();
    private final List<String> violations = new ArrayList<>();

    @BeforeEach
    void startSlowReader() throws Exception {
        group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        SslWriteContext serverContext = SslWriteContext.forServer(TestPki.serverCertPem(), TestPki.serverKeyPem()).build();
        serverChannel = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(16 * 1024).maxMessagesPerRead(1))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(serverContext.newHandler(ch.alloc()), new DigestingReader(serverDigest));
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    @AfterEach
    void stop() {
        serverChannel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void aWriterThatIgnoresWritabilityKeepsCiphertextInFlightBoundedAndEveryByteArrives() throws Exception {
        byte[] chunk = io.sslwrite.testing.TlsPair.pattern(WRITE);
        Channel client = connect();
        SslWriteHandler handler = client.pipeline().get(SslWriteHandler.class);
        int highWaterMark = client.config().getWriteBufferHighWaterMark();
        List<ChannelFuture> writes = new ArrayList<>();
        long[] completed = new long[1];
        client.eventLoop().submit(() -> {
            for (long sent = 0; sent < TOTAL; sent += WRITE) {
                ChannelFuture f = client.write(Unpooled.wrappedBuffer(chunk));
                f.addListener(done -> {
                    completed[0] += WRITE;
                    checkBounds(handler, highWaterMark, completed[0]);
                });
                writes.add(f);
            }
            client.flush();
        }).sync();
        probeUntilDone(client, handler, highWaterMark, completed);
        byte[] digest = serverDigest.get(120, TimeUnit.SECONDS);
        for (ChannelFuture f : writes) {
            assertTrue(f.isSuccess(), String.valueOf(f.cause()));
        }
        assertEquals(List.of(), violations);
        assertArrayEquals(expectedDigest(chunk), digest);
        client.close().sync();
    }

    @Test
    void aWriterThatHonoursWritabilityNeverSeesMoreThanTheHighWaterMarkPlusOneWriteQueued() throws Exception {
        byte[] chunk = io.sslwrite.testing.TlsPair.pattern(WRITE);
        Channel client = connect();
        SslWriteHandler handler = client.pipeline().get(SslWriteHandler.class);
        int highWaterMark = client.config().getWriteBufferHighWaterMark();
        long[] written = new long[1];
        CompletableFuture<Void> allWritten = new CompletableFuture<>();
        Runnable writeWhileWritable = () -> {
            while (client.isWritable() && written[0] < TOTAL) {
                client.writeAndFlush(Unpooled.wrappedBuffer(chunk)).addListener(f -> {
                    if (!f.isSuccess()) {
                        allWritten.completeExceptionally(f.cause());
                    }
                });
                written[0] += WRITE;
                if (handler.pendingOutboundBytes() > highWaterMark + WRITE) {
                    violations.add("pending " + handler.pendingOutboundBytes() + " after " + written[0]);
                }
            }
            if (written[0] >= TOTAL) {
                allWritten.complete(null);
            }
        };
        client.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelWritabilityChanged(ChannelHandlerContext ctx) {
                writeWhileWritable.run();
                ctx.fireChannelWritabilityChanged();
            }
        });
        client.eventLoop().execute(writeWhileWritable);
        allWritten.get(120, TimeUnit.SECONDS);
        byte[] digest = serverDigest.get(120, TimeUnit.SECONDS);
        assertEquals(List.of(), violations);
        assertArrayEquals(expectedDigest(chunk), digest);
        client.close().sync();
    }

    private Channel connect() throws Exception {
        SslWriteContext clientContext = SslWriteContext.forClient().trustManager(TestPki.caPem()).build();
        Channel client = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(clientContext.newHandler(ch.alloc(), "localhost", 443));
                    }
                })
                .connect(serverChannel.localAddress()).sync().channel();
        assertTrue(client.pipeline().get(SslWriteHandler.class).handshakeFuture().await(30, TimeUnit.SECONDS));
        return client;
    }

    /** On the client's event loop: the §4.3 bound, and that what is not done is queued plaintext. */
    private void checkBounds(SslWriteHandler handler, int highWaterMark, long completed) {
        long inFlight = handler.ciphertextInFlight();
        if (inFlight > highWaterMark + BATCH_CIPHERTEXT) {
            violations.add("ciphertext in flight " + inFlight + " at " + completed);
        }
        long encryptedNotDone = TOTAL - completed - handler.pendingOutboundBytes();
        if (encryptedNotDone > highWaterMark + BATCH_CIPHERTEXT) {
            violations.add("plaintext neither queued nor written: " + encryptedNotDone + " at " + completed);
        }
    }

    private void probeUntilDone(Channel client, SslWriteHandler handler, int highWaterMark, long[] completed)
            throws Exception {
        while (completed[0] < TOTAL && client.isActive()) {
            client.eventLoop().submit(() -> checkBounds(handler, highWaterMark, completed[0])).sync();
            Thread.sleep(5);
        }
    }

    private static byte[] expectedDigest(byte[] chunk) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        for (long n = 0; n < TOTAL; n += chunk.length) {
            sha.update(chunk);
        }
        return sha.digest();
    }

    /** Reads 16 KiB per tick (four ticks a millisecond at most) and hashes what arrives. */
    private static final class DigestingReader extends ChannelInboundHandlerAdapter {
        private final CompletableFuture<byte[]> result;
        private final MessageDigest sha;
        private long received;

        DigestingReader(CompletableFuture<byte[]> result) {
            this.result = result;
            try {
                this.sha = MessageDigest.getInstance("SHA-256");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.executor().scheduleAtFixedRate(() -> {
                for (int i = 0; i < 4; i++) {
                    ctx.read();
                }
            }, 1, 1, TimeUnit.MILLISECONDS);
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            try {
                received += buf.readableBytes();
                sha.update(buf.nioBuffer());
                if (received == TOTAL) {
                    result.complete(sha.digest());
                } else if (received > TOTAL) {
                    result.completeExceptionally(new AssertionError("received " + received + " bytes"));
                }
            } finally {
                buf.release();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            result.completeExceptionally(cause);
        }
    }
}
