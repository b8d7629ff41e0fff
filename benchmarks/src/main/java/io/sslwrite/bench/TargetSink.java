package io.sslwrite.bench;

import java.util.concurrent.CompletableFuture;

/**
 * A {@link ByteSink} that completes a future once its running total reaches a target. The target is
 * a total, not a count from now: the first bytes of a transfer may arrive before the request to
 * watch for them does.
 */
final class TargetSink extends ByteSink {

    private long target = Long.MAX_VALUE;
    private CompletableFuture<Void> reached;

    /** Called on the channel's event loop. */
    void expectTotal(long totalBytes, CompletableFuture<Void> future) {
        target = totalBytes;
        reached = future;
        check();
    }

    @Override
    void onBytes(int count) {
        super.onBytes(count);
        check();
    }

    private void check() {
        if (reached != null && received() >= target) {
            reached.complete(null);
            reached = null;
        }
    }
}
