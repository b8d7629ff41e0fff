package io.sslwrite.micrometer;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sslwrite.SslWriteStats;
import io.sslwrite.testing.TestPki;
import io.sslwrite.testing.TlsPair;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link SslWriteMetrics} over a {@link SimpleMeterRegistry}: the meters read what {@code context.stats()}
 * says, tagged by context, and names that appear after binding (an alert, a protocol) show up.
 */
class SslWriteMetricsTest {

    private final MeterRegistry registry = new SimpleMeterRegistry();

    private double counter(String name, String... tags) {
        return registry.get(name).tags(tags).functionCounter().count();
    }

    private double gauge(String name, String... tags) {
        return registry.get(name).tags(tags).gauge().value();
    }

    @Test
    void theHandshakeCountersMoveWithAHandshake() {
        try (TlsPair pair = TlsPair.builder().build()) {
            new SslWriteMetrics(pair.serverContext(), "https").bindTo(registry);
            assertEquals(0, counter("sslwrite.handshakes.completed", "context", "https"));
            assertNull(registry.find("sslwrite.handshakes.protocol").functionCounter(), "no protocol seen yet");

            pair.handshake();
            assertEquals(1, counter("sslwrite.handshakes.started", "context", "https"));
            assertEquals(1, counter("sslwrite.handshakes.completed", "context", "https"));
            assertEquals(0, counter("sslwrite.handshakes.resumed", "context", "https"));
            assertEquals(1, gauge("sslwrite.connections.open", "context", "https"));
            // The read above registered the protocol, suite and group the handshake negotiated.
            String protocol = pair.serverHandler().session().protocol();
            assertEquals(1, counter("sslwrite.handshakes.protocol", "context", "https", "protocol", protocol));
            assertEquals(1, counter("sslwrite.handshakes.cipher.suite", "cipher.suite",
                    pair.serverHandler().session().cipherSuite()));
            assertEquals(1, counter("sslwrite.handshakes.named.group", "group",
                    pair.serverHandler().session().namedGroup()));
            for (String cause : new String[] {"alert_received", "alert_sent", "timeout", "peer_closed", "local_error",
                    "local_close"}) {
                assertEquals(0, counter("sslwrite.handshakes.failed", "cause", cause), cause);
            }
        }
    }

    @Test
    void anAlertSeenAfterBindingGetsItsOwnCounter() {
        try (TlsPair pair = TlsPair.builder().client(b -> b.trustManager(TestPki.wrongCaPem())).build()) {
            new SslWriteMetrics(pair.clientContext(), "client").bindTo(registry);
            new SslWriteMetrics(pair.serverContext(), "server").bindTo(registry);
            pair.transfer();
            assertEquals(1, counter("sslwrite.handshakes.failed", "context", "server", "cause", "alert_received"));
            assertEquals(1, counter("sslwrite.handshakes.failed", "context", "client", "cause", "alert_sent"));
            SslWriteStats stats = pair.serverContext().stats();
            String alert = stats.failuresByAlert().keySet().iterator().next();
            FunctionCounter byAlert = registry.find("sslwrite.handshakes.failed.alert")
                    .tags("context", "server", "alert", alert).functionCounter();
            assertNotNull(byAlert, "registered at the read that first saw it: " + registry.getMeters());
            assertEquals(1, byAlert.count());
            assertEquals(0, gauge("sslwrite.connections.open", "context", "server"));
        }
    }

    @Test
    void bytesRefusalsAndQueuedPlaintextAreReported() {
        try (TlsPair pair = TlsPair.handshaken()) {
            new SslWriteMetrics(pair.clientContext(), "c").bindTo(registry);
            new SslWriteMetrics(pair.serverContext(), "s").bindTo(registry);
            pair.clientHandler().setOption(io.sslwrite.SslWriteOption.MAX_PENDING_BYTES, 10_000);
            pair.client().write(pair.heapBuffer(10_000));
            assertTrue(pair.client().write(pair.heapBuffer(1)).isDone(), "refused at once");
            assertEquals(10_000, gauge("sslwrite.plaintext.queued", "context", "c"));
            assertEquals(1, counter("sslwrite.writes.refused", "context", "c"));
            pair.client().flush();
            pair.transfer();
            assertEquals(0, gauge("sslwrite.plaintext.queued", "context", "c"));
            assertEquals(10_000, counter("sslwrite.encrypted", "context", "c"));
            assertEquals(10_000, counter("sslwrite.decrypted", "context", "s"));
            assertEquals("bytes", registry.get("sslwrite.encrypted").functionCounter().getId().getBaseUnit());
        }
    }
}
