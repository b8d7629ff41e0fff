package io.sslwrite;

import io.netty.channel.ChannelOption;

/**
 * The one place that knows which {@link SslWriteOption}s exist and which values they take, so that
 * {@link SslWriteContext.Builder#option} and {@link SslWriteHandler#setOption} refuse the same values
 * with the same words. Messages follow Netty's argument style: {@code "MAX_RECORD_SIZE: 100 (expected:
 * 512..16384)"}.
 */
final class OptionValidation {

    /** The smallest fragment TLS lets a peer ask for: max_fragment_length 2^9 (RFC 6066 §4). */
    static final int MIN_RECORD_SIZE = 512;
    /** RFC 8446 §5.1: a TLSPlaintext fragment MUST NOT exceed 2^14 bytes. */
    static final int MAX_RECORD_SIZE = 16384;

    private OptionValidation() { }

    /** {@code true} if {@code option} is one of {@link SslWriteOption}'s constants. */
    static boolean isKnown(ChannelOption<?> option) {
        return option == SslWriteOption.PARTIAL_WRITE
                || option == SslWriteOption.AUTO_RETRY
                || option == SslWriteOption.MAX_RECORD_SIZE
                || option == SslWriteOption.MAX_PENDING_BYTES
                || option == SslWriteOption.RENEGOTIATION
                || option == SslWriteOption.HANDSHAKE_TIMEOUT_MILLIS
                || option == SslWriteOption.CLOSE_NOTIFY_FLUSH_TIMEOUT_MILLIS
                || option == SslWriteOption.DYNAMIC_RECORD_SIZING
                || option == SslWriteOption.DYNAMIC_RECORD_THRESHOLD
                || option == SslWriteOption.DYNAMIC_RECORD_IDLE_MILLIS;
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
        if (!isKnown(option)) {
            throw new IllegalArgumentException("unknown option " + displayName(option)
                    + " (expected one of the SslWriteOption constants)");
        }
        if (value == null) {
            throw new NullPointerException(displayName(option) + ": null (expected: a value)");
        }
        if (option == SslWriteOption.PARTIAL_WRITE || option == SslWriteOption.AUTO_RETRY
                || option == SslWriteOption.DYNAMIC_RECORD_SIZING) {
            requireType(option, value, Boolean.class);
        } else if (option == SslWriteOption.RENEGOTIATION) {
            requireType(option, value, Renegotiation.class);
        } else if (option == SslWriteOption.MAX_RECORD_SIZE) {
            int v = requireType(option, value, Integer.class);
            if (v < MIN_RECORD_SIZE || v > MAX_RECORD_SIZE) {
                throw new IllegalArgumentException(displayName(option) + ": " + v
                        + " (expected: " + MIN_RECORD_SIZE + ".." + MAX_RECORD_SIZE + ")");
            }
        } else if (option == SslWriteOption.MAX_PENDING_BYTES) {
            int v = requireType(option, value, Integer.class);
            if (v <= 0) {
                throw new IllegalArgumentException(displayName(option) + ": " + v + " (expected: > 0)");
            }
        } else if (option == SslWriteOption.DYNAMIC_RECORD_THRESHOLD) {
            int v = requireType(option, value, Integer.class);
            if (v < 0) {
                throw new IllegalArgumentException(displayName(option) + ": " + v + " (expected: >= 0)");
            }
        } else {
            // HANDSHAKE_TIMEOUT_MILLIS, CLOSE_NOTIFY_FLUSH_TIMEOUT_MILLIS, DYNAMIC_RECORD_IDLE_MILLIS
            long v = requireType(option, value, Long.class);
            if (v < 0) {
                throw new IllegalArgumentException(displayName(option) + ": " + v + " (expected: >= 0)");
            }
        }
    }

    /** Raw types and unchecked casts can smuggle a value of another type past the generics. */
    private static <T> T requireType(ChannelOption<?> option, Object value, Class<T> type) {
        if (!type.isInstance(value)) {
            throw new IllegalArgumentException(displayName(option) + ": " + value + " of type "
                    + value.getClass().getSimpleName() + " (expected: " + type.getSimpleName() + ")");
        }
        return type.cast(value);
    }

    /** "MAX_RECORD_SIZE": the constant's name, without the "io.sslwrite.SslWriteOption#" prefix. */
    static String displayName(ChannelOption<?> option) {
        String name = option.name();
        return name.substring(name.indexOf('#') + 1);
    }
}
