package io.sslwrite;

import io.netty.channel.ChannelOption;

/**
 * The options of {@link SslWriteHandler}, as {@link ChannelOption} constants so that they read and
 * type-check like the channel options users already set. Set them for every handler of a context with
 * {@link SslWriteContext.Builder#option(ChannelOption, Object)}, or on one handler at any time with
 * {@link SslWriteHandler#setOption(ChannelOption, Object)}.
 *
 * <p>Each constant is created with {@code ChannelOption.valueOf(SslWriteOption.class, NAME)}, so
 * {@code ChannelOption.valueOf(SslWriteOption.class, "PARTIAL_WRITE")} returns the same instance.
 *
 * @param <T> the type of the option's value
 */
public final class SslWriteOption<T> extends ChannelOption<T> {

    /**
     * {@code SSL_MODE_ENABLE_PARTIAL_WRITE}: a back-pressured write succeeds after whole records, with
     * its buffer's {@code readerIndex} advanced by the bytes sent. Default {@code false}.
     */
    public static final ChannelOption<Boolean> PARTIAL_WRITE = valueOf(SslWriteOption.class, "PARTIAL_WRITE");

    /**
     * {@code SSL_MODE_AUTO_RETRY}: writes made during a peer's renegotiation wait for it to complete
     * (on), or fail at once with {@link SslWantReadException} (off). Default {@code true}.
     */
    public static final ChannelOption<Boolean> AUTO_RETRY = valueOf(SslWriteOption.class, "AUTO_RETRY");

    /** Largest plaintext per application-data record, 512..16384. Default 16384. */
    public static final ChannelOption<Integer> MAX_RECORD_SIZE = valueOf(SslWriteOption.class, "MAX_RECORD_SIZE");

    /**
     * Bound on plaintext queued and not yet encrypted; a write that would pass it fails with
     * {@link SslWantWriteException}. Default {@link Integer#MAX_VALUE}.
     */
    public static final ChannelOption<Integer> MAX_PENDING_BYTES = valueOf(SslWriteOption.class, "MAX_PENDING_BYTES");

    /** What to do with a peer's TLS 1.2 renegotiation. Default: client ACCEPT, server DENY. */
    public static final ChannelOption<Renegotiation> RENEGOTIATION = valueOf(SslWriteOption.class, "RENEGOTIATION");

    /**
     * The handshake fails with Netty's {@code SslHandshakeTimeoutException} after this long; 0 means no
     * timeout, as for Netty's {@code SslHandler}. Default 10000.
     */
    public static final ChannelOption<Long> HANDSHAKE_TIMEOUT_MILLIS =
            valueOf(SslWriteOption.class, "HANDSHAKE_TIMEOUT_MILLIS");

    /**
     * How long {@code close()} waits for the queued writes and close_notify to be written (and, after a
     * fatal alert, for the peer's EOF) before it closes the channel anyway, failing what is still
     * queued; 0 means no timeout, as for Netty's {@code SslHandler} and {@link #HANDSHAKE_TIMEOUT_MILLIS}.
     * Default 3000.
     */
    public static final ChannelOption<Long> CLOSE_NOTIFY_FLUSH_TIMEOUT_MILLIS =
            valueOf(SslWriteOption.class, "CLOSE_NOTIFY_FLUSH_TIMEOUT_MILLIS");

    /** Small records first, one TCP segment each, then {@link #MAX_RECORD_SIZE}. Default {@code false}. */
    public static final ChannelOption<Boolean> DYNAMIC_RECORD_SIZING =
            valueOf(SslWriteOption.class, "DYNAMIC_RECORD_SIZING");

    /** Plaintext bytes of a burst sent in small records before growing. Default 131072. */
    public static final ChannelOption<Integer> DYNAMIC_RECORD_THRESHOLD =
            valueOf(SslWriteOption.class, "DYNAMIC_RECORD_THRESHOLD");

    /** Idle time after which records start small again. Default 1000. */
    public static final ChannelOption<Long> DYNAMIC_RECORD_IDLE_MILLIS =
            valueOf(SslWriteOption.class, "DYNAMIC_RECORD_IDLE_MILLIS");

    @SuppressWarnings("deprecation")
    private SslWriteOption() {
        super(null);
    }
}
