package io.sslwrite.examples;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sslwrite.SslWriteContext;
import io.sslwrite.micrometer.SslWriteMetrics;

/**
 * The demo's {@code GET /metrics}: the TLS statistics of its context ({@link SslWriteContext#stats()}) through
 * {@link SslWriteMetrics}, in a Prometheus registry of its own, so that a scrape shows sslwrite's meters and
 * nothing else. {@code curl .../metrics} prints them in the Prometheus text format.
 */
final class DemoMetrics implements AutoCloseable {

    /** The media type of the Prometheus text format, version 0.0.4, which every Prometheus server reads. */
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    DemoMetrics(SslWriteContext context) {
        new SslWriteMetrics(context, "https").bindTo(registry);
    }

    /** Every meter's current value in the Prometheus text format. */
    String scrape() {
        return registry.scrape();
    }

    @Override
    public void close() {
        registry.close();
    }
}
