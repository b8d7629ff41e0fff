package io.sslwrite.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The traffic of an HTTP/2 server answering small requests, in memory: what h2load's
 * {@code -n 200000 -c 100 -m 10} with 1 KiB responses costs the TLS layer, without sockets.
 *
 * <p>Netty's HTTP/2 codec writes each frame as its own buffer with its own promise: a HEADERS frame
 * (9-byte frame header and an HPACK block of about 30 bytes), then a DATA frame as two writes, its
 * 9-byte header and the payload (a slice of the application's buffer), whose promise carries a
 * listener (the flow controller's); it flushes once per read batch. The client sends each request
 * (a HEADERS frame) and the WINDOW_UPDATE frames as records of their own, many of which arrive in one
 * socket read. Both shapes are far from {@link WriteThroughputBenchmark}'s 16 KiB writes.
 *
 * <p>One operation is one request answered: {@link #REQUESTS_PER_BATCH} per invocation.
 * {@link #respond} times the server's writes alone (its ciphertext is dropped); {@link #exchange}
 * times the round trip: the client's small records delivered to the server in one inbound buffer,
 * read there, answered by the server's small writes and a flush on {@code channelReadComplete}, and
 * read by the client. Buffers come from the pooled allocator, direct, as a socket channel's do.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class SmallWritesBenchmark {

    /** Streams answered per read batch: h2load's {@code -m 10}. */
    static final int REQUESTS_PER_BATCH = 10;
    static final int FRAME_HEADER = 9;
    /** HPACK block of a response's HEADERS frame (":status: 200", content-length, a date). */
    static final int RESPONSE_HEADER_BLOCK = 30;
    static final int RESPONSE_BODY = 1024;
    /** HPACK block of a request's HEADERS frame once the dynamic table has its headers. */
    static final int REQUEST_HEADER_BLOCK = 20;
    /** A WINDOW_UPDATE frame: header and a 4-byte increment. */
    static final int WINDOW_UPDATE = FRAME_HEADER + 4;
    /** Bytes of the server's response to one request, frame headers included. */
    static final int RESPONSE_BYTES = FRAME_HEADER + RESPONSE_HEADER_BLOCK + FRAME_HEADER + RESPONSE_BODY;
    static final int REQUEST_BYTES = FRAME_HEADER + REQUEST_HEADER_BLOCK;

    @Param({"SSLWRITE", "NETTY_JDK", "NETTY_OPENSSL"})
    public Contestant contestant;

    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private Tls tls;
    private ByteBuf body;
    private ByteBuf responseHeaders;
    private ByteBuf request;
    private ByteBuf windowUpdate;
    private EmbeddedPair pair;
    private Responder responder;
    private long completed;
    private final ChannelFutureListener countCompleted = f -> {
        if (f.isSuccess()) {
            completed++;
        }
    };

    @Setup(Level.Trial)
    public void setUpTrial() throws Exception {
        tls = Tls.create(contestant, Tls.GROUP);
        body = randomDirect(RESPONSE_BODY);
        responseHeaders = randomDirect(FRAME_HEADER + RESPONSE_HEADER_BLOCK);
        request = randomDirect(REQUEST_BYTES);
        windowUpdate = randomDirect(WINDOW_UPDATE);
    }

    private static ByteBuf randomDirect(int size) {
        byte[] bytes = new byte[size];
        ThreadLocalRandom.current().nextBytes(bytes);
        return PooledByteBufAllocator.DEFAULT.directBuffer(size).writeBytes(bytes);
    }

    /** A fresh connection per iteration: the handshake is set-up, never part of a timed write. */
    @Setup(Level.Iteration)
    public void handshake() throws Exception {
        pair = EmbeddedPair.handshaken(tls, alloc);
        responder = new Responder();
        pair.server.pipeline().addBefore(pair.server.pipeline().context(pair.serverSink).name(), null, responder);
        completed = 0;
    }

    @TearDown(Level.Iteration)
    public void close() {
        try {
            if (completed == 0) {
                throw new IllegalStateException(contestant + ": no response's promise completed");
            }
        } finally {
            pair.close();
        }
    }

    @TearDown(Level.Trial)
    public void tearDownTrial() {
        for (ByteBuf b : new ByteBuf[] {body, responseHeaders, request, windowUpdate}) {
            b.release();
        }
    }

    /** The server writes ten responses as HTTP/2 frames, flushes once; the ciphertext is dropped. */
    @Benchmark
    @OperationsPerInvocation(REQUESTS_PER_BATCH)
    public long respond() {
        EmbeddedChannel server = pair.server;
        for (int i = 0; i < REQUESTS_PER_BATCH; i++) {
            writeResponse(server);
        }
        server.flush();
        return discard(server);
    }

    /**
     * Ten requests and ten WINDOW_UPDATEs, each a record of its own, reach the server in one inbound
     * buffer; it answers each request as it reads it and flushes at the end of the read; the client
     * reads the answers.
     */
    @Benchmark
    @OperationsPerInvocation(REQUESTS_PER_BATCH)
    public long exchange() {
        EmbeddedChannel client = pair.client;
        for (int i = 0; i < REQUESTS_PER_BATCH; i++) {
            client.writeAndFlush(request.retainedDuplicate());
            client.writeAndFlush(windowUpdate.retainedDuplicate());
        }
        deliverAsOneRead(client, pair.server);
        deliverAsOneRead(pair.server, client);
        return pair.clientSink.received();
    }

    /** Everything {@code from} wrote, in one buffer, as one socket read brings it to {@code to}. */
    private void deliverAsOneRead(EmbeddedChannel from, EmbeddedChannel to) {
        ByteBuf in = null;
        for (Object msg; (msg = from.readOutbound()) != null; ) {
            ByteBuf b = (ByteBuf) msg;
            if (in == null) {
                in = alloc.directBuffer(Math.max(b.readableBytes(), 16 * 1024));
            }
            in.writeBytes(b);
            b.release();
        }
        if (in != null) {
            to.writeOneInbound(in);
            to.flushInbound();
        }
    }

    private static long discard(EmbeddedChannel ch) {
        long bytes = 0;
        for (Object msg; (msg = ch.readOutbound()) != null; ) {
            bytes += ((ByteBuf) msg).readableBytes();
            ReferenceCountUtil.release(msg);
        }
        return bytes;
    }

    /**
     * One response as Netty's {@code DefaultHttp2FrameWriter} writes it: HEADERS in one buffer, DATA as
     * its frame header and a retained slice of the body, each write with a promise of its own.
     */
    private void writeResponse(EmbeddedChannel ch) {
        ByteBuf headers = alloc.directBuffer(responseHeaders.readableBytes());
        headers.writeBytes(responseHeaders, responseHeaders.readerIndex(), responseHeaders.readableBytes());
        ch.write(headers, ch.newPromise());
        ByteBuf dataHeader = alloc.directBuffer(FRAME_HEADER);
        dataHeader.writeBytes(responseHeaders, responseHeaders.readerIndex(), FRAME_HEADER);
        ch.write(dataHeader, ch.newPromise());
        ChannelPromise data = ch.newPromise();
        data.addListener(countCompleted);
        ch.write(body.retainedDuplicate(), data);
    }

    /**
     * The server's application: answers every whole request it has read, and flushes once per read
     * batch, as Netty's HTTP/2 codec does. WINDOW_UPDATEs are read and dropped.
     */
    private final class Responder extends ChannelInboundHandlerAdapter {
        /** Plaintext bytes read and not yet counted as requests (a request and its WINDOW_UPDATE). */
        private long unanswered;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                unanswered += ((ByteBuf) msg).readableBytes();
                while (unanswered >= REQUEST_BYTES + WINDOW_UPDATE) {
                    unanswered -= REQUEST_BYTES + WINDOW_UPDATE;
                    writeResponse((EmbeddedChannel) ctx.channel());
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.channel().flush();
        }
    }
}
