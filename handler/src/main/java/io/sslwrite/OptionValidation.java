package io.sslwrite;

import io.netty.channel.ChannelOption;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one list of {@link SslWriteOption}s: each option's type, defaults and range, so that
 * {@link SslWriteContext.Builder#option}, {@link SslWriteHandler#setOption} and the handler's defaults
 * (DESIGN §3) agree. Messages follow Netty's argument style: {@code "MAX_RECORD_SIZE: 100 (expected:
 * 512..16384)"}.
 */
final class OptionValidation {

    /** The smallest fragment TLS lets a peer ask for: max_fragment_length 2^9 (RFC 6066 §4). */
    static final int MIN_RECORD_SIZE = 512;
    /** RFC 8446 §5.1: a TLSPlaintext fragment MUST NOT exceed 2^14 bytes. */
    static final int MAX_RECORD_SIZE = 16384;

    /** One option: its value type, its defaults for a client and a server, and its range for numbers. */
    private record Spec(ChannelOption<?> option, Class<?> type, Object clientDefault, Object serverDefault,
                        long min, long max) {
        static Spec of(ChannelOption<?> option, Class<?> type, Object defaultValue, long min, long max) {
            return new Spec(option, type, defaultValue, defaultValue, min, max);
        }

        String range() {
            return max == Long.MAX_VALUE || max == Integer.MAX_VALUE ? (min == 0 ? ">= 0" : "> 0") : min + ".." + max;
        }
    }

    private static final List<Spec> OPTIONS = List.of(
            Spec.of(SslWriteOption.PARTIAL_WRITE, Boolean.class, false, 0, 0),
            Spec.of(SslWriteOption.AUTO_RETRY, Boolean.class, true, 0, 0),
            Spec.of(SslWriteOption.MAX_RECORD_SIZE, Integer.class, MAX_RECORD_SIZE, MIN_RECORD_SIZE, MAX_RECORD_SIZE),
            Spec.of(SslWriteOption.MAX_PENDING_BYTES, Integer.class, Integer.MAX_VALUE, 1, Integer.MAX_VALUE),
            new Spec(SslWriteOption.RENEGOTIATION, Renegotiation.class, Renegotiation.ACCEPT, Renegotiation.DENY, 0, 0),
            Spec.of(SslWriteOption.HANDSHAKE_TIMEOUT_MILLIS, Long.class, 10_000L, 0, Long.MAX_VALUE),
            Spec.of(SslWriteOption.CLOSE_NOTIFY_FLUSH_TIMEOUT_MILLIS, Long.class, 3_000L, 0, Long.MAX_VALUE),
            Spec.of(SslWriteOption.DYNAMIC_RECORD_SIZING, Boolean.class, false, 0, 0),
            Spec.of(SslWriteOption.DYNAMIC_RECORD_THRESHOLD, Integer.class, 131_072, 0, Integer.MAX_VALUE),
            Spec.of(SslWriteOption.DYNAMIC_RECORD_IDLE_MILLIS, Long.class, 1_000L, 0, Long.MAX_VALUE));

    private OptionValidation() { }

    /** {@code true} if {@code option} is one of {@link SslWriteOption}'s constants. */
    static boolean isKnown(ChannelOption<?> option) {
        return spec(option) != null;
    }

    /** Every option with its default, in the order of DESIGN §3's table. */
    static Map<ChannelOption<?>, Object> defaults(boolean client) {
        Map<ChannelOption<?>, Object> defaults = new LinkedHashMap<>();
        for (Spec spec : OPTIONS) {
            defaults.put(spec.option(), client ? spec.clientDefault() : spec.serverDefault());
        }
        return defaults;
    }

    /**
     * Checks {@code value} for {@code option}.
     *
     * @throws NullPointerException if {@code option} or {@code value} is null
     * @throws IllegalArgumentException if the option is not an {@link SslWriteOption} ("unknown option X"),
     *         or the value has the wrong type or is out of range
     */
    static void validate(ChannelOption<?> option, Object value) {
        if (option == null) {
            throw new NullPointerException("option");
        }
        Spec spec = spec(option);
        if (spec == null) {
            throw new IllegalArgumentException("unknown option " + displayName(option)
                    + " (expected one of the SslWriteOption constants)");
        }
        if (value == null) {
            throw new NullPointerException(displayName(option) + ": null (expected: a value)");
        }
        // Raw types and unchecked casts can smuggle a value of another type past the generics.
        if (!spec.type().isInstance(value)) {
            throw new IllegalArgumentException(displayName(option) + ": " + value + " of type "
                    + value.getClass().getSimpleName() + " (expected: " + spec.type().getSimpleName() + ")");
        }
        if (value instanceof Number number) {
            long v = number.longValue();
            if (v < spec.min() || v > spec.max()) {
                throw new IllegalArgumentException(displayName(option) + ": " + v + " (expected: " + spec.range() + ")");
            }
        }
    }

    private static Spec spec(ChannelOption<?> option) {
        for (Spec spec : OPTIONS) {
            if (spec.option() == option) {
                return spec;
            }
        }
        return null;
    }

    /** "MAX_RECORD_SIZE": the constant's name, without the "io.sslwrite.SslWriteOption#" prefix. */
    static String displayName(ChannelOption<?> option) {
        String name = option.name();
        return name.substring(name.indexOf('#') + 1);
    }
}
