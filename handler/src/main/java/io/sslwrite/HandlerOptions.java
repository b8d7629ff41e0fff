package io.sslwrite;

import io.netty.channel.ChannelOption;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The option values of one handler: the defaults of DESIGN §3, overridden by the context's builder,
 * then by {@link SslWriteHandler#setOption}. Values are validated by {@link OptionValidation} on
 * the way in, so readers can trust them.
 *
 * <p>Every connection has one of these, so it is one small array indexed through a table shared by
 * all; the values themselves are the boxed objects of the defaults and of the context, shared too.
 * (A map per handler, with its own boxed numbers, cost about 450 bytes per connection.)
 */
final class HandlerOptions {
    static final int MAX_RECORD_SIZE_LIMIT = 1 << 14;

    /** Every option, in the order of the arrays below. */
    private static final List<ChannelOption<?>> OPTIONS = List.of(
            SslWriteOption.PARTIAL_WRITE, SslWriteOption.AUTO_RETRY, SslWriteOption.MAX_RECORD_SIZE,
            SslWriteOption.MAX_PENDING_BYTES, SslWriteOption.RENEGOTIATION, SslWriteOption.HANDSHAKE_TIMEOUT_MILLIS,
            SslWriteOption.CLOSE_NOTIFY_FLUSH_TIMEOUT_MILLIS, SslWriteOption.DYNAMIC_RECORD_SIZING,
            SslWriteOption.DYNAMIC_RECORD_THRESHOLD, SslWriteOption.DYNAMIC_RECORD_IDLE_MILLIS);
    private static final Map<ChannelOption<?>, Integer> INDEX = new IdentityHashMap<>();
    private static final Object[] CLIENT_DEFAULTS = {
            Boolean.FALSE, Boolean.TRUE, MAX_RECORD_SIZE_LIMIT, Integer.MAX_VALUE, Renegotiation.ACCEPT, 10_000L,
            3_000L, Boolean.FALSE, 131_072, 1_000L};
    private static final Object[] SERVER_DEFAULTS = CLIENT_DEFAULTS.clone();

    static {
        for (int i = 0; i < OPTIONS.size(); i++) {
            INDEX.put(OPTIONS.get(i), i);
        }
        SERVER_DEFAULTS[INDEX.get(SslWriteOption.RENEGOTIATION)] = Renegotiation.DENY;
    }

    private final Object[] values;

    HandlerOptions(boolean client, Map<ChannelOption<?>, Object> fromContext) {
        values = (client ? CLIENT_DEFAULTS : SERVER_DEFAULTS).clone();
        fromContext.forEach((option, value) -> values[INDEX.get(option)] = value);
    }

    boolean isKnown(ChannelOption<?> option) {
        return INDEX.containsKey(option);
    }

    @SuppressWarnings("unchecked")
    <T> T get(ChannelOption<T> option) {
        return (T) values[INDEX.get(option)];
    }

    /** @return false if the option is not one of {@link SslWriteOption}'s */
    <T> boolean set(ChannelOption<T> option, T value) {
        if (!isKnown(option)) {
            return false;
        }
        OptionValidation.validate(option, value);
        values[INDEX.get(option)] = value;
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
