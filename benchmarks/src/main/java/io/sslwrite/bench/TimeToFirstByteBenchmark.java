package io.sslwrite.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.util.ReferenceCountUtil;
import io.sslwrite.SslWriteHandler;
import io.sslwrite.SslWriteOption;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * What dynamic record sizing (DESIGN §4.8) buys and costs, over real sockets on 127.0.0.1.
 *
 * <p><b>Time to first byte.</b> On one connection, the server writes and flushes a 1 MiB response
 * (one heap buffer) every {@link #GAP_MILLIS} ms; the time measured runs from just before that
 * {@code writeAndFlush} on the server's event loop to the client's first {@code channelRead} of
 * plaintext, both read from {@code System.nanoTime()} in the same JVM. The gap is longer than the
 * {@code DYNAMIC_RECORD_IDLE_MILLIS} of {@link #IDLE_MILLIS} set on the server, so with the option on
 * every response starts with small records. The time to the response's last byte is recorded too:
 * what the small records cost a whole response.
 *
 * <p>Loopback's MTU is 64 KiB, so a full 16 KiB record crosses in one segment and small records
 * matter less than on a real network. Each case therefore also runs with the server's
 * {@code SO_SNDBUF} set to {@link #SMALL_SNDBUF} bytes (Linux doubles what is asked): the kernel then
 * takes a few KiB of ciphertext at a time, and a 16 KiB record reaches the client only after several
 * round trips, as it would through a narrow congestion window.
 *
 * <p><b>Throughput.</b> On a fresh connection with default buffers, the server streams
 * {@link #STREAM_MIB} MiB in 16 KiB writes, respecting writability (as {@code loopback.transfer}
 * does); {@link #STREAMS} streams per setting, alternating off and on, each after a gap longer than
 * the idle time, so each starts with a burst of small records.
 *
 * <p>Only {@code SslWriteHandler} has the option; {@code SslHandler} contestants run the "off" cases
 * as a reference. One contestant per JVM: {@code main(contestant)} prints one
 * {@code TTFB key=value ...} line, which {@link RunAll} reads.
 */
public final class TimeToFirstByteBenchmark {

    static final int RESPONSE_BYTES = 1 << 20;
    static final int WARM_UP_RESPONSES = 20;
    static final int RESPONSES = 100;
    static final long GAP_MILLIS = 100;
    static final long IDLE_MILLIS = 50;
    static final int SMALL_SNDBUF = 4096;
    static final int STREAM_MIB = 256;
    static final int STREAMS = 3;
    /** With {@code --quick}: does it run, not a measurement. */
    static final int WARM_UP_RESPONSES_QUICK = 2;
    static final int RESPONSES_QUICK = 10;
    static final int STREAMS_QUICK = 1;
    static final String RESULT_PREFIX = "TTFB ";
    /** Socket settings a case runs with: the system's defaults, or a small server send buffer. */
    static final List<String> SOCKETS = List.of("default", "sndbuf");
    private static final long TIMEOUT_SECONDS = 120;

    private TimeToFirstByteBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args.length > 2 || (args.length == 2 && !args[1].equals("--quick"))) {
            System.err.println("usage: TimeToFirstByteBenchmark " + Arrays.toString(Contestant.values()) + " [--quick]");
            System.exit(2);
        }
        boolean quick = args.length == 2;
        Map<String, Object> result = run(Contestant.valueOf(args[0]), quick ? WARM_UP_RESPONSES_QUICK : WARM_UP_RESPONSES,
                quick ? RESPONSES_QUICK : RESPONSES, quick ? STREAMS_QUICK : STREAMS);
        StringBuilder line = new StringBuilder(RESULT_PREFIX);
        result.forEach((k, v) -> line.append(k).append('=').append(v).append(' '));
        System.out.println(line.toString().trim());
        System.exit(0);
    }

    static Map<String, Object> run(Contestant contestant, int warmUps, int responses, int streams) throws Exception {
        Tls tls = Tls.create(contestant, Tls.GROUP);
        boolean dynamic = contestant == Contestant.SSLWRITE;
        List<Boolean> settings = dynamic ? List.of(false, true) : List.of(false);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("contestant", contestant);
        try (Loopback.Loops loops = new Loopback.Loops()) {
            // The streams come first: they also bring the JIT up to speed for the response timings.
            stream(loops, tls, settings, streams, result);
            byte[] bytes = new byte[RESPONSE_BYTES];
            ThreadLocalRandom.current().nextBytes(bytes);
            ByteBuf response = Unpooled.wrappedBuffer(bytes);
            try {
                for (String socket : SOCKETS) {
                    for (boolean on : settings) {
                        responses(loops, tls, socket, on, response, warmUps, responses, result);
                    }
                }
            } finally {
                response.release();
            }
        }
        return result;
    }

    private static void setDynamic(Loopback conn, boolean on) {
        if (conn.serverTls instanceof SslWriteHandler) {
            SslWriteHandler h = (SslWriteHandler) conn.serverTls;
            h.setOption(SslWriteOption.DYNAMIC_RECORD_SIZING, on);
            h.setOption(SslWriteOption.DYNAMIC_RECORD_IDLE_MILLIS, IDLE_MILLIS);
        }
    }

    private static String key(String what, boolean on) {
        return what + "." + (on ? "on" : "off");
    }

    private static void stream(Loopback.Loops loops, Tls tls, List<Boolean> settings, int streams,
                               Map<String, Object> result) throws Exception {
        ByteBuf message = BufferType.HEAP.newMessage(LoopbackThroughputBenchmark.MESSAGE_SIZE);
        StreamWriter writer = new StreamWriter(message, LoopbackThroughputBenchmark.FLUSH_EVERY_BYTES);
        TargetSink sink = new TargetSink();
        Loopback conn = Loopback.open(loops, tls, PooledByteBufAllocator.DEFAULT,
                new Loopback.Side(null, writer, Map.of()),
                new Loopback.Side(null, sink, Map.of()));
        try {
            long bytes = (long) STREAM_MIB << 20;
            long sent = 0;
            Map<Boolean, double[]> rates = new LinkedHashMap<>();
            // One unmeasured stream to warm up, then the measured ones, alternating the setting.
            for (int i = -1; i < streams; i++) {
                for (boolean on : settings) {
                    Thread.sleep(GAP_MILLIS);
                    conn.server.eventLoop().submit(() -> setDynamic(conn, on)).sync();
                    sent += bytes;
                    long total = sent;
                    CompletableFuture<Void> arrived = new CompletableFuture<>();
                    conn.client.eventLoop().submit(() -> sink.expectTotal(total, arrived)).sync();
                    long start = System.nanoTime();
                    writer.start(bytes);
                    arrived.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                    double mibPerSecond = STREAM_MIB / ((System.nanoTime() - start) / 1e9);
                    if (i >= 0) {
                        rates.computeIfAbsent(on, k -> new double[streams])[i] = mibPerSecond;
                    }
                }
            }
            rates.forEach((on, r) -> {
                Arrays.sort(r);
                result.put(key("streamMiBPerSecond", on), String.format(Locale.ROOT, "%.0f", r[r.length / 2]));
            });
        } finally {
            conn.close();
            message.release();
        }
    }

    private static void responses(Loopback.Loops loops, Tls tls, String socket, boolean on, ByteBuf response,
                                  int warmUps, int count, Map<String, Object> result) throws Exception {
        Map<ChannelOption<?>, Object> serverOptions = socket.equals("sndbuf")
                ? Map.of(ChannelOption.SO_SNDBUF, SMALL_SNDBUF) : Map.of();
        ResponseClient client = new ResponseClient();
        Loopback conn = Loopback.open(loops, tls, PooledByteBufAllocator.DEFAULT,
                new Loopback.Side(null, new ChannelInboundHandlerAdapter(), serverOptions),
                new Loopback.Side(null, client, Map.of()));
        try {
            conn.server.eventLoop().submit(() -> setDynamic(conn, on)).sync();
            long[] firstByte = new long[count];
            long[] lastByte = new long[count];
            for (int i = -warmUps; i < count; i++) {
                Thread.sleep(GAP_MILLIS);
                CompletableFuture<long[]> done = new CompletableFuture<>();
                conn.client.eventLoop().submit(() -> client.expect(RESPONSE_BYTES, done)).sync();
                long[] start = new long[1];
                conn.server.eventLoop().submit(() -> {
                    start[0] = System.nanoTime();
                    conn.server.writeAndFlush(response.retainedDuplicate());
                }).sync();
                long[] times = done.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                if (i >= 0) {
                    firstByte[i] = times[0] - start[0];
                    lastByte[i] = times[1] - start[0];
                }
            }
            Arrays.sort(firstByte);
            Arrays.sort(lastByte);
            String k = socket + "." + (on ? "on" : "off");
            result.put("firstByteP50Micros." + k, micros(percentile(firstByte, 50)));
            result.put("firstByteP90Micros." + k, micros(percentile(firstByte, 90)));
            result.put("lastByteP50Micros." + k, micros(percentile(lastByte, 50)));
        } finally {
            conn.close();
        }
    }

    /** Nearest-rank percentile of sorted values. */
    private static long percentile(long[] sorted, int p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    private static String micros(long nanos) {
        return String.format(Locale.ROOT, "%.0f", nanos / 1e3);
    }

    /** The reading application: notes when a response's first and last plaintext bytes arrive. */
    private static final class ResponseClient extends ChannelInboundHandlerAdapter {
        private long remaining;
        private long first;
        private CompletableFuture<long[]> done;

        /** On the client's event loop, before the response is written. */
        void expect(long bytes, CompletableFuture<long[]> future) {
            remaining = bytes;
            first = 0;
            done = future;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof ByteBuf && ((ByteBuf) msg).isReadable()) {
                    long now = System.nanoTime();
                    if (first == 0) {
                        first = now;
                    }
                    remaining -= ((ByteBuf) msg).readableBytes();
                    if (remaining <= 0 && done != null) {
                        done.complete(new long[] {first, now});
                        done = null;
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }
    }
}
