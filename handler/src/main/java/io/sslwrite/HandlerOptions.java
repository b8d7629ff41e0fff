package io.sslwrite;

import io.netty.channel.ChannelOption;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The option values of one handler: the defaults of DESIGN §3, overridden by the context's builder,
 * then by {@link SslWriteHandler#setOption}, which may be called from any thread (§4.7): a concurrent
 * map publishes each value to the event loop. Values are validated by {@link OptionValidation} on the
 * way in, so readers can trust them.
 */
final class HandlerOptions {
    static final int MAX_RECORD_SIZE_LIMIT = OptionValidation.MAX_RECORD_SIZE;

    private final Map<ChannelOption<?>, Object> values = new ConcurrentHashMap<>();

    HandlerOptions(boolean client, Map<ChannelOption<?>, Object> fromContext) {
        values.putAll(OptionValidation.defaults(client));
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

    boolean partialWrite() { return get(SslWriteOption.PARTIAL_WRITE); }

    boolean autoRetry() { return get(SslWriteOption.AUTO_RETRY); }

    int maxRecordSize() { return get(SslWriteOption.MAX_RECORD_SIZE); }

    int maxPendingBytes() { return get(SslWriteOption.MAX_PENDING_BYTES); }

    Renegotiation renegotiation() { return get(SslWriteOption.RENEGOTIATION); }

    long handshakeTimeoutMillis() { return get(SslWriteOption.HANDSHAKE_TIMEOUT_MILLIS); }

    long closeNotifyFlushTimeoutMillis() { return get(SslWriteOption.CLOSE_NOTIFY_FLUSH_TIMEOUT_MILLIS); }
}
