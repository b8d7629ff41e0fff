package io.sslwrite;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufHolder;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.FileRegion;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.UnsupportedMessageTypeException;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.AbstractScheduledEventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.AlertLevel;
import org.bouncycastle.tls.RenegotiationPolicy;
import org.bouncycastle.tls.TlsClient;
import org.bouncycastle.tls.TlsContext;
import org.bouncycastle.tls.TlsFatalAlertReceived;
import org.bouncycastle.tls.TlsPeer;
import org.bouncycastle.tls.TlsProtocol;
import org.bouncycastle.tls.TlsServer;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import java.io.IOException;
import java.util.EnumSet;
import java.util.concurrent.TimeUnit;

/**
 * A Netty handler that speaks TLS 1.2 and 1.3 through bctls and gives outbound writes the semantics
 * of OpenSSL's {@code SSL_write(3)}:
 *
 * <ul>
 *   <li>writes made before the handshake completes are queued and go out after it, in order;</li>
 *   <li>a write's promise succeeds when every byte of it has been encrypted and the transport has
 *       written the records that carry them; a {@code ChannelProgressivePromise} hears of each record;</li>
 *   <li>encryption stops while the transport is full, and the plaintext waits, uncopied (WANT_WRITE);</li>
 *   <li>a peer's TLS 1.2 renegotiation pauses application records until it completes (WANT_READ).</li>
 * </ul>
 *
 * <pre>{@code
 * SslWriteContext tls = SslWriteContext.forServer(chainPem, keyPem).build();
 * ch.pipeline().addLast(tls.newHandler(ch.alloc()), new HttpServerCodec(), new MyHandler());
 * }</pre>
 *
 * <p>The handler is a thin layer: {@link WriteQueue} owns queued writes, {@link RecordEncoder}
 * bctls's write side, {@link ReadFramer} the read side and {@link ConnectionState} the phase. Every
 * call into bctls happens on the channel's event loop, as do all of this class's methods.
 */
public final class SslWriteHandler extends ChannelDuplexHandler {

    /** Empty records accepted in a row after the handshake, as OpenSSL's MAX_EMPTY_RECORDS. */
    static final int MAX_EMPTY_RECORDS_IN_A_ROW = 32;

    /** Passes of 64 KiB one turn of the event loop encrypts at most (1 MiB) before yielding. */
    static final int MAX_BATCHES_PER_TURN = 16;

    /** Warning alerts accepted in a row before the connection ends, as OpenSSL's MAX_WARN_ALERT_COUNT. */
    static final int MAX_WARNING_ALERTS_IN_A_ROW = 5;

    /** The user-defined writability bit through which queued plaintext counts toward writability. */
    static final int PLAINTEXT_WRITABILITY_INDEX = 12;

    private final SslWriteContext context;
    private final ByteBufAllocator alloc;
    private final String peerHost;
    private final int peerPort;
    private final boolean client;
    private final HandlerOptions options;
    private final WriteQueue queue = new WriteQueue();
    private final ReadFramer framer = new ReadFramer();
    private final Events events = new Events();
    private final RecordSizer sizer;

    private ChannelHandlerContext ctx;
    private TlsPeer peer;
    private TlsProtocol protocol;
    private TlsContext tlsContext;
    private RecordEncoder encoder;
    private Promise<Channel> handshakePromise;
    private Promise<Channel> sslClosePromise;

    private ConnectionState state = ConnectionState.HANDSHAKING;
    private boolean handshakeStarted;
    private boolean encrypting;
    private boolean encryptAgain;
    private boolean resumeScheduled;
    private boolean drainingAfterAlert;
    private boolean closeRequested;
    private ChannelPromise closePromise;
    private SSLException failure;
    private SslWriteSession session;
    private int renegotiations;
    private ScheduledFuture<?> handshakeTimeout;
    private ScheduledFuture<?> closeTimeout;

    /**
     * What bctls reported from inside a call into it; acted on once the call has returned, so that no
     * event or user code runs inside bctls's own processing.
     */
    private enum Reported { RENEGOTIATION_STARTED, HANDSHAKE_COMPLETED, PEER_CLOSE_NOTIFY }

    private final EnumSet<Reported> reported = EnumSet.noneOf(Reported.class);

    /** The first fatal alert bctls raised on this connection, with the reason it gave. */
    private record SentAlert(short description, String detail, Throwable cause) { }

    private SentAlert fatalAlertSent;
    private int warningAlertsInARow;
    private int emptyRecordsInARow;

    // Read state: whether the application asked for data that has not come yet, and whether this
    // read batch produced any.
    private boolean readRequested;
    private boolean firedReadInBatch;

    SslWriteHandler(SslWriteContext context, ByteBufAllocator alloc, String peerHost, int peerPort) {
        this.context = context;
        this.alloc = alloc;
        this.peerHost = peerHost;
        this.peerPort = peerPort;
        this.client = context.isClient();
        this.options = new HandlerOptions(client, context.options());
        this.sizer = new RecordSizer(options);
    }

    // ---------------------------------------------------------------------------------------------
    // Public API (DESIGN §3)

    /** {@return a future that succeeds when the initial handshake completes, and fails with its cause} */
    public Future<Channel> handshakeFuture() {
        return handshakePromise();
    }

    /**
     * Succeeds when the peer's close_notify arrives; fails when the connection ends otherwise (for an
     * EOF without close_notify, with an {@link SSLException} that says so: possible truncation).
     *
     * @return the future of the peer's close_notify, of this handler's channel
     */
    public Future<Channel> sslCloseFuture() {
        return sslClosePromise();
    }

    /** {@return the negotiated parameters, or null before the handshake completes} */
    public SslWriteSession session() {
        return session;
    }

    /**
     * Sets an {@link SslWriteOption} on this handler, like {@code ChannelConfig.setOption}.
     *
     * @param <T> the option's value type
     * @param option one of {@link SslWriteOption}'s constants
     * @param value its new value
     * @return false if {@code option} is not one of {@link SslWriteOption}'s
     * @throws IllegalArgumentException if the value is out of range
     */
    public <T> boolean setOption(ChannelOption<T> option, T value) {
        return options.set(option, value);
    }

    /**
     * The current value of an {@link SslWriteOption}, or null if {@code option} is not one.
     *
     * @param <T> the option's value type
     * @param option one of {@link SslWriteOption}'s constants
     * @return its value on this handler, or null
     */
    public <T> T getOption(ChannelOption<T> option) {
        return options.isKnown(option) ? options.get(option) : null;
    }

    /** {@return the plaintext bytes queued and not yet encrypted} */
    public long pendingOutboundBytes() {
        return queue.pendingBytes();
    }

    /** Ciphertext handed to the transport and not yet reported written (§4.3); for tests. */
    long ciphertextInFlight() {
        return encoder == null ? 0 : encoder.ciphertextInFlight();
    }

    // ---------------------------------------------------------------------------------------------
    // Lifecycle

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        this.ctx = ctx;
        handshakePromise();
        sslClosePromise();
        peer = context.newPeer(peerHost, peerPort, events);
        protocol = client ? new BcClientProtocol(events, alloc) : new BcServerProtocol(events, alloc);
        encoder = new RecordEncoder(protocol, events);
        if (!client) {
            // A server only prepares here; the handshake starts with the peer's ClientHello.
            ((BcServerProtocol) protocol).accept((TlsServer) peer);
        }
        if (ctx.channel().isActive()) {
            startHandshake();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        startHandshake();
        ctx.fireChannelActive();
    }

    private void startHandshake() {
        if (handshakeStarted) {
            return;
        }
        handshakeStarted = true;
        long timeout = options.handshakeTimeoutMillis();
        if (timeout > 0) {
            handshakeTimeout = ctx.executor().schedule(() -> {
                if (!handshakePromise.isDone()) {
                    fail(new SslHandshakeTimeoutException("handshake timed out after " + timeout
                            + " ms (HANDSHAKE_TIMEOUT_MILLIS); the peer did not complete it"));
                }
            }, timeout, TimeUnit.MILLISECONDS);
        }
        if (client) {
            try {
                ((BcClientProtocol) protocol).connect((TlsClient) peer);
            } catch (IOException | RuntimeException e) {
                failFromProtocol(e);
                return;
            }
            writeProtocolOutput();
        }
        if (!ctx.channel().config().isAutoRead()) {
            ctx.read();
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        framer.release();
        if (encoder != null) {
            encoder.releaseOutput();
        }
        cancelTimers();
        if (!queue.isEmpty()) {
            queue.failAll(new SSLException("SslWriteHandler was removed from the pipeline; this write was"
                    + " queued and never sent"));
        }
        if (!handshakePromise.isDone()) {
            handshakePromise.tryFailure(new SSLHandshakeException(
                    "SslWriteHandler was removed from the pipeline before the handshake completed"));
        }
        setPlaintextWritable(true);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        framer.release();
        cancelTimers();
        switch (state) {
            case HANDSHAKING -> endWithoutException(new SSLHandshakeException(
                    "connection closed by the peer during the handshake"));
            case OPEN, RENEGOTIATING, CLOSING -> {
                SSLException truncation = new SSLException(
                        "peer closed the connection without close_notify (possible truncation)");
                endWithoutException(truncation);
                ctx.fireUserEventTriggered(new SslCloseCompletionEvent(truncation));
            }
            case CLOSED, FAILED -> {
                queue.failAll(failure != null ? failure : new SSLException("connection closed"));
                sslClosePromise.tryFailure(failure != null ? failure
                        : new SSLException("connection closed before the peer sent close_notify"));
            }
        }
        ctx.fireChannelInactive();
    }

    /** The connection ended without a TLS failure of ours: fail what waits, no exceptionCaught. */
    private void endWithoutException(SSLException cause) {
        boolean handshaking = state == ConnectionState.HANDSHAKING;
        state = state.moveTo(ConnectionState.CLOSED);
        failure = cause;
        queue.failAll(cause);
        if (handshaking && handshakePromise.tryFailure(cause)) {
            ctx.fireUserEventTriggered(new SslHandshakeCompletionEvent(cause));
        }
        sslClosePromise.tryFailure(cause);
        updateWritability();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
        transportFailed(cause);
        ctx.fireExceptionCaught(cause);
    }

    /**
     * The transport failed (a reset, a broken pipe): Netty closes the channel, often without an
     * exceptionCaught for a failed write. Every write waiting here fails with an exception that
     * carries the transport's cause, not with the EOF that {@link #channelInactive} would otherwise
     * report as truncation.
     */
    private void transportFailed(Throwable cause) {
        if (state.isTerminal() || cause instanceof java.nio.channels.ClosedChannelException) {
            return;
        }
        boolean handshaking = state == ConnectionState.HANDSHAKING;
        SSLException e = Alerts.create("the connection failed: " + cause.getMessage(), handshaking, cause);
        state = state.moveTo(ConnectionState.FAILED);
        failure = e;
        if (handshakeTimeout != null) {
            handshakeTimeout.cancel(false); // a close in progress keeps its timer: it still closes the channel
        }
        queue.failAll(e);
        updateWritability();
        if (handshakePromise.tryFailure(e)) {
            ctx.fireUserEventTriggered(new SslHandshakeCompletionEvent(e));
        }
        sslClosePromise.tryFailure(e);
    }

    // ---------------------------------------------------------------------------------------------
    // Write path (§4)

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        PendingWrite write;
        if (msg instanceof ByteBuf buf) {
            write = PendingWrite.of(msg, buf, promise);
        } else if (msg instanceof ByteBufHolder holder) {
            write = PendingWrite.of(msg, holder.content(), promise);
        } else if (msg instanceof FileRegion region) {
            write = PendingWrite.of(region, promise);
        } else {
            ReferenceCountUtil.release(msg);
            promise.tryFailure(new UnsupportedMessageTypeException(msg, ByteBuf.class, ByteBufHolder.class,
                    FileRegion.class));
            return;
        }
        SSLException refusal = refusal(write.memoryBytes());
        if (refusal != null) {
            write.fail(refusal);
            return;
        }
        queue.add(write);
        updateWritability();
    }

    /** Why a write of {@code length} bytes cannot be queued, or null if it can. */
    private SSLException refusal(long length) {
        if (state == ConnectionState.FAILED) {
            SSLException e = new SSLException("write refused: the TLS connection failed earlier ("
                    + failure.getMessage() + "); open a new connection");
            e.initCause(failure);
            return e;
        }
        if (state == ConnectionState.CLOSED) {
            return new SSLException("write refused: the TLS connection is closed"
                    + (failure != null ? " (" + failure.getMessage() + ")" : "") + "; open a new connection");
        }
        if (closeRequested || state == ConnectionState.CLOSING) {
            return new SSLException("write refused: close() was already called and the connection is closing");
        }
        if (state == ConnectionState.RENEGOTIATING && !options.autoRetry()) {
            return new SslWantReadException("write refused: TLS 1.2 renegotiation in progress and AUTO_RETRY"
                    + " is off; write again after SslRenegotiationEvent.COMPLETED");
        }
        long queued = queue.pendingBytes();
        int bound = options.maxPendingBytes();
        if (queued + length > bound) {
            return new SslWantWriteException("write of " + length + " bytes refused: " + queued
                    + " bytes already queued, MAX_PENDING_BYTES is " + bound);
        }
        return null;
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        queue.markAllFlushed();
        if (!encryptAndWrite()) {
            ctx.flush();
        }
    }

    /**
     * Encrypts flushed writes, one batch per pass, while application data may be written and the
     * ciphertext in flight is below the high water mark (§4.3: never {@code isWritable()}, which our
     * own queued plaintext moves), and flushes them. A flush that the transport completes at once
     * calls back here through {@link #batchWritten}; that call only asks for another round, so a
     * long stream runs as a loop, not as a recursion. Then, with {@code PARTIAL_WRITE}, a write cut
     * short by back-pressure ends with what it has sent (§4.5), and if close() waits for the queue,
     * close_notify follows it.
     *
     * @return whether anything was written (and flushed)
     */
    private boolean encryptAndWrite() {
        if (encrypting) {
            encryptAgain = true;
            return false;
        }
        if (!state.mayWriteApplicationData()) {
            return false;
        }
        encrypting = true;
        boolean wrote = false;
        try {
            int highWaterMark = ctx.channel().config().getWriteBufferHighWaterMark();
            int batches = 0;
            do {
                encryptAgain = false;
                boolean wroteThisRound = false;
                while (state.mayWriteApplicationData() && queue.hasFlushed()
                        && encoder.ciphertextInFlight() < highWaterMark) {
                    Batch batch = encoder.encrypt(queue, sizer, now(), options.partialWrite(), encoder.newBatch());
                    ByteBuf out = encoder.takeOutput(batch);
                    boolean flushAlone = batch.flushAlone;
                    ctx.write(out != null ? out : Unpooled.EMPTY_BUFFER, ctx.newPromise().addListener(batch));
                    wroteThisRound = true;
                    batches++;
                    if (flushAlone) {
                        encryptAgain = true; // after the flush, whether or not the transport completes it at once
                        break;
                    }
                }
                if (wroteThisRound) {
                    wrote = true;
                    ctx.flush();
                }
                if (encryptAgain && batches >= MAX_BATCHES_PER_TURN) {
                    // A socket that takes every write at once would keep this loop going until the
                    // queue is empty; other channels of the event loop get their turn first.
                    encryptAgain = false;
                    resumeLater();
                }
            } while (encryptAgain);
            if (options.partialWrite() && encoder.ciphertextInFlight() >= highWaterMark) {
                queue.endStartedWrite();
            }
        } catch (IOException | RuntimeException e) {
            failFromProtocol(e);
        } finally {
            encrypting = false;
        }
        if (state == ConnectionState.CLOSING && queue.isEmpty()) {
            sendCloseNotify();
            wrote = true;
        }
        updateWritability();
        return wrote;
    }

    /** Encrypts more on a later turn of the event loop, once, however often it is asked. */
    private void resumeLater() {
        if (!resumeScheduled) {
            resumeScheduled = true;
            ctx.executor().execute(() -> {
                resumeScheduled = false;
                encryptAndWrite();
            });
        }
    }

    /** The transport finished with a batch: complete its writes, then encrypt more into the room made. */
    private void batchWritten(Batch batch, ChannelFuture future) {
        if (future.isSuccess()) {
            batch.acknowledge();
        } else {
            transportFailed(future.cause());
            batch.fail(failure != null ? failure : future.cause());
        }
        encoder.written(batch);
        if (future.isSuccess()) {
            encryptAndWrite();
        }
    }

    /**
     * Writes and flushes whatever bctls has queued (handshake messages, alerts, close_notify) outside
     * an encryption pass; null if there is nothing.
     */
    private ChannelFuture writeProtocolOutput() {
        Batch batch = encoder.newBatch();
        ByteBuf out = encoder.takeOutput(batch);
        if (out == null) {
            encoder.written(batch);
            return null;
        }
        return ctx.writeAndFlush(out, ctx.newPromise().addListener(batch));
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        encryptAndWrite();
        ctx.fireChannelWritabilityChanged();
    }

    /**
     * Queued plaintext counts toward the channel's writability (§4.3) through a user-defined
     * writability bit: unwritable while plaintext and transport bytes together pass the high water
     * mark, writable again below the low one, as the outbound buffer does for its own bytes.
     */
    private void updateWritability() {
        if (ctx == null) {
            return;
        }
        ChannelOutboundBuffer out = ctx.channel().unsafe().outboundBuffer();
        if (out == null) {
            return;
        }
        long total = queue.pendingBytes() + out.totalPendingWriteBytes();
        boolean writable = out.getUserDefinedWritability(PLAINTEXT_WRITABILITY_INDEX);
        if (writable && queue.pendingBytes() > 0 && total > ctx.channel().config().getWriteBufferHighWaterMark()) {
            out.setUserDefinedWritability(PLAINTEXT_WRITABILITY_INDEX, false);
        } else if (!writable && (queue.pendingBytes() == 0
                || total < ctx.channel().config().getWriteBufferLowWaterMark())) {
            out.setUserDefinedWritability(PLAINTEXT_WRITABILITY_INDEX, true);
        }
    }

    private void setPlaintextWritable(boolean writable) {
        ChannelOutboundBuffer out = ctx == null ? null : ctx.channel().unsafe().outboundBuffer();
        if (out != null) {
            out.setUserDefinedWritability(PLAINTEXT_WRITABILITY_INDEX, writable);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Close (§4.7)

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        switch (state) {
            case HANDSHAKING -> {
                SSLHandshakeException cause = new SSLHandshakeException(
                        "close() was called before the handshake completed");
                state = state.moveTo(ConnectionState.CLOSED);
                failure = cause;
                queue.failAll(cause);
                handshakePromise.tryFailure(cause);
                sslClosePromise.tryFailure(cause);
                closeProtocol();
                ctx.close(promise);
            }
            case OPEN -> {
                closePromise = promise;
                startCloseTimer();
                queue.markAllFlushed();
                state = state.moveTo(ConnectionState.CLOSING);
                encryptAndWrite();
            }
            case RENEGOTIATING, CLOSING -> {
                // Drains after the renegotiation, or is draining already: this close follows that one.
                closeRequested = true;
                if (closePromise == null) {
                    closePromise = promise;
                    startCloseTimer();
                } else {
                    ctx.channel().closeFuture().addListener(f -> promise.trySuccess());
                }
            }
            case CLOSED, FAILED -> ctx.close(promise);
        }
    }

    /**
     * All queued plaintext is encrypted: close_notify follows it (bctls's {@code close()} ends both
     * directions, so it is called only now), and the channel closes once it is written or
     * {@code CLOSE_NOTIFY_FLUSH_TIMEOUT_MILLIS} passes.
     */
    private void sendCloseNotify() {
        state = state.moveTo(ConnectionState.CLOSED);
        ChannelPromise promise = closePromise != null ? closePromise : ctx.newPromise();
        ChannelFuture written = closeProtocol();
        if (written == null) {
            ctx.close(promise);
        } else {
            written.addListener((ChannelFutureListener) f -> ctx.close(promise));
        }
    }

    /**
     * {@code CLOSE_NOTIFY_FLUSH_TIMEOUT_MILLIS} counts from {@code close()}, as for Netty's
     * SslHandler, whose close_notify waits behind all the ciphertext flushed before it: a peer that
     * stops reading cannot hold a closing channel open. What is still queued then fails, and the
     * channel closes.
     */
    private void startCloseTimer() {
        long timeout = options.closeNotifyFlushTimeoutMillis();
        closeTimeout = ctx.executor().schedule(() -> {
            if (!ctx.channel().isOpen()) {
                return;
            }
            SSLException cause = new SSLException("close() gave up after CLOSE_NOTIFY_FLUSH_TIMEOUT_MILLIS ("
                    + timeout + " ms): " + queue.pendingBytes() + " bytes were still queued and "
                    + encoder.ciphertextInFlight() + " bytes of records unwritten; the peer is not reading");
            if (!state.isTerminal()) {
                state = state.moveTo(ConnectionState.CLOSED);
            }
            if (failure == null) {
                failure = cause;
            }
            queue.failAll(cause);
            updateWritability();
            ctx.close(closePromise != null ? closePromise : ctx.newPromise());
        }, timeout, TimeUnit.MILLISECONDS);
    }

    /** bctls's close(): close_notify (and user_canceled during a handshake), written and flushed. */
    private ChannelFuture closeProtocol() {
        try {
            protocol.close();
        } catch (IOException e) {
            // The alert could not be produced; the channel closes all the same.
        }
        return writeProtocolOutput();
    }

    // ---------------------------------------------------------------------------------------------
    // Read path (§5)

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (!(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            if (state.isTerminal()) {
                // bctls is closed for input; what still arrives cannot be read.
                return;
            }
            framer.frame(in, alloc, events);
        } catch (IOException | RuntimeException e) {
            failFromProtocol(e);
        } finally {
            in.release();
        }
    }

    /** One whole record for bctls; then act on what it reported. */
    private boolean offerRecord(byte[] record, int length) {
        int warningsBefore = warningAlertsInARow;
        if (state == ConnectionState.HANDSHAKING && peer instanceof BcTlsClient) {
            ((BcTlsClient) peer).observeServerRecord(record, length);
        }
        try {
            protocol.offerInput(record, 0, length);
        } catch (IOException | RuntimeException e) {
            failFromProtocol(e);
            return false;
        }
        if (warningAlertsInARow == warningsBefore) {
            warningAlertsInARow = 0;
        } else if (warningAlertsInARow > MAX_WARNING_ALERTS_IN_A_ROW) {
            abort("peer sent " + warningAlertsInARow + " warning alerts in a row (more than "
                    + MAX_WARNING_ALERTS_IN_A_ROW + " end the connection)");
            return false;
        }
        if (countEmptyRecord() > MAX_EMPTY_RECORDS_IN_A_ROW) {
            abort("peer sent " + emptyRecordsInARow + " empty records in a row (more than "
                    + MAX_EMPTY_RECORDS_IN_A_ROW + " end the connection)");
            return false;
        }
        afterProtocolCall();
        return !state.isTerminal();
    }

    /**
     * Counts records after the handshake that carried nothing: no plaintext, no event, no answer.
     * Each is legal (RFC 5246 §6.2.1 allows zero-length application data), a flood of them only
     * spends the CPU, so like OpenSSL's MAX_EMPTY_RECORDS a long run of them ends the connection.
     */
    private int countEmptyRecord() {
        boolean empty = state == ConnectionState.OPEN && protocol.getAvailableInputBytes() == 0
                && reported.isEmpty() && protocol.getAvailableOutputBytes() == 0;
        emptyRecordsInARow = empty ? emptyRecordsInARow + 1 : 0;
        return emptyRecordsInARow;
    }

    /**
     * Ends the connection with {@code unexpected_message} for a flood bctls lets through: warning
     * alerts it does not know (it ignores them, so a peer could keep a connection busy for ever;
     * RFC 8446 §6.2 lets either side close on any alert) or empty records.
     */
    private void abort(String reason) {
        boolean handshaking = state == ConnectionState.HANDSHAKING || state == ConnectionState.RENEGOTIATING;
        try {
            ((BcProtocol) protocol).abort(AlertDescription.unexpected_message, reason);
        } catch (IOException | RuntimeException e) {
            // The alert could not be queued; the connection ends all the same.
        }
        fail(Alerts.sent(AlertDescription.unexpected_message, handshaking, reason, null));
    }

    /** Handles what bctls reported during {@code offerInput}, once it has returned. */
    private void afterProtocolCall() {
        int available = protocol.getAvailableInputBytes();
        if (available > 0) {
            ByteBuf plaintext = alloc.buffer(available);
            int n = protocol.readInput(plaintext.internalNioBuffer(0, available), available);
            plaintext.writerIndex(n);
            firedReadInBatch = true;
            readRequested = false;
            ctx.fireChannelRead(plaintext);
        }
        if (reported.remove(Reported.RENEGOTIATION_STARTED)) {
            ctx.fireUserEventTriggered(SslRenegotiationEvent.STARTED);
        }
        if (reported.remove(Reported.HANDSHAKE_COMPLETED)) {
            onHandshakeComplete();
        }
        if (reported.remove(Reported.PEER_CLOSE_NOTIFY)) {
            onPeerCloseNotify();
            return;
        }
        writeProtocolOutput();
    }

    private void onHandshakeComplete() {
        if (state == ConnectionState.HANDSHAKING) {
            state = state.moveTo(ConnectionState.OPEN);
            tlsContext = ((BcProtocol) protocol).tlsContext();
            session = new SslWriteSession(tlsContext, peer, renegotiations);
            sizer.negotiated(session);
            if (handshakeTimeout != null) {
                handshakeTimeout.cancel(false);
                handshakeTimeout = null; // the cancelled task would stay with the connection for its life
            }
            writeProtocolOutput();
            handshakePromise.trySuccess(ctx.channel());
            ctx.fireUserEventTriggered(SslHandshakeCompletionEvent.SUCCESS);
        } else if (state == ConnectionState.RENEGOTIATING) {
            state = state.moveTo(ConnectionState.OPEN);
            renegotiations++;
            session = new SslWriteSession(tlsContext, peer, renegotiations);
            sizer.negotiated(session);
            writeProtocolOutput();
            ctx.fireUserEventTriggered(SslHandshakeCompletionEvent.SUCCESS);
            ctx.fireUserEventTriggered(SslRenegotiationEvent.COMPLETED);
            if (closeRequested) {
                state = state.moveTo(ConnectionState.CLOSING);
                queue.markAllFlushed();
            }
        }
        encryptAndWrite();
    }

    /**
     * The peer's close_notify: bctls has answered with ours and closed both directions. Queued writes
     * can never be sent; the channel closes once our close_notify is written.
     */
    private void onPeerCloseNotify() {
        state = state.moveTo(ConnectionState.CLOSED);
        failure = new SSLException("peer sent close_notify and closed the TLS connection; this write was not"
                + " sent");
        queue.failAll(failure);
        updateWritability();
        sslClosePromise.trySuccess(ctx.channel());
        ctx.fireUserEventTriggered(SslCloseCompletionEvent.SUCCESS);
        ChannelPromise promise = closePromise != null ? closePromise : ctx.newPromise();
        ChannelFuture written = writeProtocolOutput();
        if (written == null) {
            ctx.close(promise);
        } else {
            written.addListener((ChannelFutureListener) f -> ctx.close(promise));
        }
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        readRequested = true;
        ctx.read();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        boolean fired = firedReadInBatch;
        firedReadInBatch = false;
        if (fired) {
            ctx.fireChannelReadComplete();
        }
        if (ctx.channel().config().isAutoRead()) {
            return;
        }
        if (drainingAfterAlert) {
            ctx.read(); // until the peer's EOF, which closes the channel
        } else if (state == ConnectionState.HANDSHAKING || state == ConnectionState.RENEGOTIATING) {
            // A handshake is read to its end even with autoRead off (§4.6), whatever else this read brought.
            ctx.read();
        } else if (!fired && readRequested && !state.isTerminal()) {
            // The read the application asked for brought only handshake bytes or part of a record.
            ctx.read();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Failure

    /** bctls threw: a fatal alert sent or received, or a call on a closed protocol. */
    private void failFromProtocol(Throwable e) {
        if (state.isTerminal()) {
            return;
        }
        boolean handshaking = state == ConnectionState.HANDSHAKING || state == ConnectionState.RENEGOTIATING;
        SSLException cause;
        if (e instanceof TlsFatalAlertReceived received) {
            cause = Alerts.received(received.getAlertDescription(), handshaking, e);
        } else if (fatalAlertSent != null) {
            cause = Alerts.sent(fatalAlertSent.description(), handshaking, fatalAlertSent.detail(),
                    fatalAlertSent.cause() != null ? fatalAlertSent.cause() : e);
        } else {
            cause = Alerts.create("TLS failure " + Alerts.phase(handshaking) + ": " + e, handshaking, e);
        }
        fail(cause);
    }

    /**
     * Any fatal failure: every queued write fails with the same exception, the alert bctls queued is
     * flushed, exceptionCaught fires once and the channel closes (§4.7).
     */
    private void fail(SSLException cause) {
        if (state.isTerminal()) {
            return;
        }
        boolean handshaking = !handshakePromise.isDone();
        state = state.moveTo(ConnectionState.FAILED);
        failure = cause;
        cancelTimers();
        queue.failAll(cause);
        updateWritability();
        if (handshaking) {
            handshakePromise.tryFailure(cause);
            ctx.fireUserEventTriggered(new SslHandshakeCompletionEvent(cause));
        }
        sslClosePromise.tryFailure(cause);
        ChannelFuture alert = writeProtocolOutput();
        ctx.fireExceptionCaught(cause);
        if (alert == null) {
            ctx.close();
        } else {
            alert.addListener((ChannelFutureListener) f -> closeAfterAlert());
        }
    }

    /**
     * The fatal alert is written. Closing a socket that still has unread bytes makes the kernel send
     * a reset, and a peer that receives the reset may drop the alert before reading it; so a socket
     * half-closes (FIN after the alert), reads and discards until the peer closes too, and closes
     * after {@code CLOSE_NOTIFY_FLUSH_TIMEOUT_MILLIS} at the latest.
     */
    private void closeAfterAlert() {
        if (!(ctx.channel() instanceof DuplexChannel duplex) || !duplex.isActive()) {
            ctx.close();
            return;
        }
        drainingAfterAlert = true;
        duplex.shutdownOutput().addListener(f -> {
            ctx.executor().schedule(() -> {
                ctx.close();
            }, options.closeNotifyFlushTimeoutMillis(), TimeUnit.MILLISECONDS);
            if (!duplex.config().isAutoRead()) {
                ctx.read();
            }
        });
    }

    /** The event loop's clock: {@code EmbeddedChannel} tests can freeze and advance it. */
    private long now() {
        return ctx.executor() instanceof AbstractScheduledEventExecutor scheduled
                ? scheduled.ticker().nanoTime() : System.nanoTime();
    }

    private void cancelTimers() {
        if (handshakeTimeout != null) {
            handshakeTimeout.cancel(false);
        }
        if (closeTimeout != null) {
            closeTimeout.cancel(false);
        }
    }

    private Promise<Channel> handshakePromise() {
        if (handshakePromise == null) {
            handshakePromise = ctxExecutorPromise();
        }
        return handshakePromise;
    }

    private Promise<Channel> sslClosePromise() {
        if (sslClosePromise == null) {
            sslClosePromise = ctxExecutorPromise();
        }
        return sslClosePromise;
    }

    private Promise<Channel> ctxExecutorPromise() {
        return ctx != null ? ctx.executor().newPromise()
                : ImmediateEventExecutor.INSTANCE.newPromise();
    }

    /** The callbacks bctls and the parts below make; kept off the public class. */
    private final class Events implements PeerListener, RenegotiationGate, Batch.Owner, ReadFramer.RecordSink {

        @Override
        public void handshakeComplete() {
            reported.add(Reported.HANDSHAKE_COMPLETED);
        }

        @Override
        public void alertRaised(short level, short description, String message, Throwable cause) {
            if (level == AlertLevel.fatal && fatalAlertSent == null) {
                fatalAlertSent = new SentAlert(description, message, cause);
            }
        }

        @Override
        public void alertReceived(short level, short description) {
            if (level == AlertLevel.warning && description == AlertDescription.close_notify) {
                reported.add(Reported.PEER_CLOSE_NOTIFY);
            } else if (level == AlertLevel.warning) {
                warningAlertsInARow++;
            }
        }

        @Override
        public int peerRequestsRenegotiation(boolean handshaking) {
            Renegotiation policy = options.renegotiation();
            if (!client && policy == Renegotiation.IGNORE) {
                // bctls would drop the ClientHello without a word and the peer would wait forever.
                policy = Renegotiation.DENY;
            }
            if (policy == Renegotiation.ACCEPT && !handshaking && state == ConnectionState.OPEN) {
                state = state.moveTo(ConnectionState.RENEGOTIATING);
                reported.add(Reported.RENEGOTIATION_STARTED);
                return RenegotiationPolicy.ACCEPT;
            }
            return policy == Renegotiation.IGNORE ? RenegotiationPolicy.IGNORE : RenegotiationPolicy.DENY;
        }

        @Override
        public void batchWritten(Batch batch, ChannelFuture future) {
            SslWriteHandler.this.batchWritten(batch, future);
        }

        @Override
        public boolean record(byte[] record, int length) {
            return offerRecord(record, length);
        }
    }
}
