package io.sslwrite.micrometer;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.sslwrite.SslWriteContext;
import io.sslwrite.SslWriteStats;
import io.sslwrite.SslWriteStats.Cause;

import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

import static java.util.Objects.requireNonNull;

/**
 * The statistics of an {@link SslWriteContext} ({@link SslWriteContext#stats()}) as Micrometer meters, every
 * one tagged {@code context=<name>} so that several contexts (an HTTPS port, an outbound client) can share a
 * registry:
 *
 * <pre>{@code
 * new SslWriteMetrics(context, "https").bindTo(registry);
 * }</pre>
 *
 * <table>
 *   <caption>Meters (Prometheus names in brackets)</caption>
 *   <tr><th>meter</th><th>type</th><th>tags</th></tr>
 *   <tr><td>{@code sslwrite.handshakes.started} ({@code sslwrite_handshakes_started_total})</td>
 *       <td>counter</td><td></td></tr>
 *   <tr><td>{@code sslwrite.handshakes.completed}</td><td>counter</td><td></td></tr>
 *   <tr><td>{@code sslwrite.handshakes.resumed}</td><td>counter</td><td></td></tr>
 *   <tr><td>{@code sslwrite.handshakes.failed}</td><td>counter</td><td>{@code cause}: alert_received, alert_sent,
 *       timeout, peer_closed, local_error, local_close (all registered at once)</td></tr>
 *   <tr><td>{@code sslwrite.handshakes.failed.alert}</td><td>counter</td><td>{@code alert}: unknown_ca, ...</td></tr>
 *   <tr><td>{@code sslwrite.handshakes.protocol}</td><td>counter</td><td>{@code protocol}: TLSv1.3, TLSv1.2</td></tr>
 *   <tr><td>{@code sslwrite.handshakes.cipher.suite}</td><td>counter</td><td>{@code cipher.suite}: IANA name</td></tr>
 *   <tr><td>{@code sslwrite.handshakes.named.group}</td><td>counter</td><td>{@code group}: x25519, ...</td></tr>
 *   <tr><td>{@code sslwrite.connections.open}</td><td>gauge</td><td></td></tr>
 *   <tr><td>{@code sslwrite.encrypted} ({@code sslwrite_encrypted_bytes_total})</td>
 *       <td>counter, bytes</td><td></td></tr>
 *   <tr><td>{@code sslwrite.decrypted}</td><td>counter, bytes</td><td></td></tr>
 *   <tr><td>{@code sslwrite.writes.refused}</td><td>counter</td><td></td></tr>
 *   <tr><td>{@code sslwrite.plaintext.queued}</td><td>gauge, bytes</td><td></td></tr>
 * </table>
 *
 * <p>Names that appear only as connections run (an alert, a protocol, a suite, a group) are registered lazily:
 * each time a meter of this binder is read (a scrape), the binder compares the names in the snapshot with
 * those it has registered and registers the new ones, which then report from the next read on, with the
 * count since {@code build()}. Every read takes a fresh {@link SslWriteStats} snapshot, which visits each open
 * connection once; the meters hold the context weakly, as Micrometer does for function meters, and report
 * NaN once it is gone.
 */
public final class SslWriteMetrics implements MeterBinder {

    private final SslWriteContext context;
    private final Tags tags;

    /**
     * Meters over {@code context}'s statistics, tagged {@code context=name}.
     *
     * @param context the context whose handlers are counted
     * @param name the value of the {@code context} tag, e.g. "https"
     */
    public SslWriteMetrics(SslWriteContext context, String name) {
        this.context = requireNonNull(context, "context");
        this.tags = Tags.of("context", requireNonNull(name, "name"));
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        new Binding(registry).registerFixed();
    }

    /** The meters of one registry, and the names it has registered so far. */
    private final class Binding {
        private final MeterRegistry registry;
        private final Set<String> alerts = ConcurrentHashMap.newKeySet();
        private final Set<String> protocols = ConcurrentHashMap.newKeySet();
        private final Set<String> cipherSuites = ConcurrentHashMap.newKeySet();
        private final Set<String> namedGroups = ConcurrentHashMap.newKeySet();

        Binding(MeterRegistry registry) {
            this.registry = registry;
        }

        void registerFixed() {
            counter("sslwrite.handshakes.started", "TLS handshakes begun", null, SslWriteStats::handshakesStarted);
            counter("sslwrite.handshakes.completed", "TLS handshakes completed, full or resumed", null,
                    SslWriteStats::handshakesCompleted);
            counter("sslwrite.handshakes.resumed", "TLS handshakes that resumed a session", null,
                    SslWriteStats::handshakesResumed);
            for (Cause cause : Cause.values()) {
                counter("sslwrite.handshakes.failed", "TLS handshakes that failed, by cause",
                        Tags.of("cause", cause.name().toLowerCase(Locale.ROOT)),
                        s -> s.failuresByCause().getOrDefault(cause, 0L));
            }
            counter("sslwrite.connections.without.tls", "Connections closed before the peer sent any TLS byte"
                    + " (health checks, port scans)", null, SslWriteStats::connectionsWithoutTls);
            counter("sslwrite.encrypted", "Application bytes encrypted", null, BaseUnits.BYTES,
                    SslWriteStats::bytesEncrypted);
            counter("sslwrite.decrypted", "Application bytes decrypted", null, BaseUnits.BYTES,
                    SslWriteStats::bytesDecrypted);
            counter("sslwrite.writes.refused", "Writes refused by MAX_PENDING_BYTES", null,
                    SslWriteStats::writesRefused);
            gauge("sslwrite.connections.open", "TLS connections open now", null, SslWriteStats::connectionsOpen);
            gauge("sslwrite.plaintext.queued", "Plaintext queued and not yet encrypted, all connections",
                    BaseUnits.BYTES, SslWriteStats::plaintextQueued);
            registerNew(context.stats());
        }

        /** Registers a counter for each name seen for the first time. */
        private void registerNew(SslWriteStats stats) {
            registerNames(stats.failuresByAlert(), alerts, "sslwrite.handshakes.failed.alert", "alert",
                    "TLS handshakes that a fatal alert ended, by alert", SslWriteStats::failuresByAlert);
            registerNames(stats.protocols(), protocols, "sslwrite.handshakes.protocol", "protocol",
                    "TLS handshakes completed, by protocol version", SslWriteStats::protocols);
            registerNames(stats.cipherSuites(), cipherSuites, "sslwrite.handshakes.cipher.suite", "cipher.suite",
                    "TLS handshakes completed, by cipher suite", SslWriteStats::cipherSuites);
            registerNames(stats.namedGroups(), namedGroups, "sslwrite.handshakes.named.group", "group",
                    "TLS handshakes completed, by key exchange group", SslWriteStats::namedGroups);
        }

        private void registerNames(Map<String, Long> seen, Set<String> registered, String meter, String tag,
                                   String description, Function<SslWriteStats, Map<String, Long>> counts) {
            for (String name : seen.keySet()) {
                if (registered.add(name)) {
                    counter(meter, description, Tags.of(tag, name), s -> counts.apply(s).getOrDefault(name, 0L));
                }
            }
        }

        private void counter(String name, String description, Tags extra, ToDoubleFunction<SslWriteStats> value) {
            counter(name, description, extra, null, value);
        }

        private void counter(String name, String description, Tags extra, String baseUnit,
                             ToDoubleFunction<SslWriteStats> value) {
            FunctionCounter.builder(name, context, read(value)).description(description).baseUnit(baseUnit)
                    .tags(tags.and(extra == null ? Tags.empty() : extra)).register(registry);
        }

        private void gauge(String name, String description, String baseUnit, ToDoubleFunction<SslWriteStats> value) {
            Gauge.builder(name, context, read(value)).description(description).baseUnit(baseUnit).tags(tags)
                    .register(registry);
        }

        /** A read of one meter: a fresh snapshot, and any new names registered for the next read. */
        private ToDoubleFunction<SslWriteContext> read(ToDoubleFunction<SslWriteStats> value) {
            return c -> {
                SslWriteStats stats = c.stats();
                registerNew(stats);
                return value.applyAsDouble(stats);
            };
        }
    }
}
