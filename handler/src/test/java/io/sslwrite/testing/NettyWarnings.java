package io.sslwrite.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * WARNING and SEVERE records Netty logs while a test runs (JUL: no other logging backend is on the
 * test path), such as an exception thrown by a future's listener, which Netty catches and logs.
 *
 * <pre>{@code
 * try (NettyWarnings warnings = NettyWarnings.collect()) { ...; assertEquals(List.of(), warnings.messages()); }
 * }</pre>
 */
public final class NettyWarnings extends Handler implements AutoCloseable {
    private final Logger logger = Logger.getLogger("io.netty");
    private final List<String> messages = new ArrayList<>();

    private NettyWarnings() {
    }

    public static NettyWarnings collect() {
        NettyWarnings warnings = new NettyWarnings();
        warnings.logger.addHandler(warnings);
        return warnings;
    }

    @Override
    public synchronized void publish(LogRecord record) {
        if (record.getLevel().intValue() >= Level.WARNING.intValue()
                && !String.valueOf(record.getMessage()).startsWith("LEAK")) {
            messages.add(record.getLoggerName() + ": " + record.getMessage()
                    + (record.getThrown() != null ? " " + record.getThrown() : ""));
        }
    }

    public synchronized List<String> messages() {
        return List.copyOf(messages);
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        logger.removeHandler(this);
    }
}
