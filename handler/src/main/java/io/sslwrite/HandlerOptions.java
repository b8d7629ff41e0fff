package io.sslwrite;

import io.netty.channel.ChannelOption;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The option values of one handler: the defaults of DESIGN §3, overridden by the context's builder,
 * then by {@link SslWriteHandler#setOption}. Values are validated by {@link OptionValidation} on
 * the way in, so readers can trust them.
 */
final class HandlerOptions {
    static final int MAX_RECORD_SIZE_LIMIT = 1 << 14;

    private final Map<ChannelOption<?>, Object> values = new IdentityHashMap<>();

    HandlerOptions(boolean client, Map<ChannelOption<?>, Object> fromContext) {
        values.put(SslWriteOption.PARTIAL_WRITE, Boolean.FALSE);
        values.put(SslWriteOption.AUTO_RETRY, Boolean.TRUE);
        values.put(SslWriteOption.MAX_RECORD_SIZE, MAX_RECORD_SIZE_LIMIT);
        values.put(SslWriteOption.MAX_PENDING_BYTES, Integer.MAX_VALUE);
        values.put(SslWriteOption.RENEGOTIATION, client ? Renegotiation.ACCEPT : Renegotiation.DENY);
        values.put(SslWriteOption.HANDSHAKE_TIMEOUT_MILLIS, 10_000L);
        values.put(SslWriteOption.CLOSE_NOTIFY_FLUSH_TIMEOUT_MILLIS, 3_000L);
        values.put(SslWriteOption.DYNAMIC_RECORD_SIZING, Boolean.FALSE);
        values.put(SslWriteOption.DYNAMIC_RECORD_THRESHOLD, 131_072);
        values.put(SslWriteOption.DYNAMIC_RECORD_IDLE_MILLIS, 1_000L);
        values.putAll(fromContext);
    }

    boolean isKnown(ChannelOption<?> option) {
        return values.containsKey(option);
    }

    @SuppressWarnings("unchecked")
    <T> T get(ChannelOption<T> option) {
        return (T) values.get(option);
    }

    /** @return false if the option is not one of {@link SslWriteOption}'s */
    <T> boolean set(ChannelOption<T> option, T value) {
        if (!isKnown(option)) {
            return false;
        }
        OptionValidation.validate(option, value);
        values.put(option, value);
        return true;
    }

    boolean partialWrite() {
        return get(SslWriteOption.PARTIAL_WRITE);
    }

    boolean autoRetry() {
        return get(SslWriteOption.AUTO_RETRY);
    }

    int maxRecordSize() {
        return get(SslWriteOption.MAX_RECORD_SIZE);
    }

    int maxPendingBytes() {
        return get(SslWriteOption.MAX_PENDING_BYTES);
    }

    Renegotiation renegotiation() {
        return get(SslWriteOption.RENEGOTIATION);
    }

    long handshakeTimeoutMillis() {
        return get(SslWriteOption.HANDSHAKE_TIMEOUT_MILLIS);
    }

    long closeNotifyFlushTimeoutMillis() {
        return get(SslWriteOption.CLOSE_NOTIFY_FLUSH_TIMEOUT_MILLIS);
    }
}
