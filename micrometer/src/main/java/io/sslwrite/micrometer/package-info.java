/**
 * {@link io.sslwrite.SslWriteContext#stats()} as Micrometer meters: {@link io.sslwrite.micrometer.SslWriteMetrics}.
 */
package io.sslwrite.micrometer;
