package io.sslwrite.testing;

import io.netty.util.concurrent.Future;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Waiting in tests on real event loops, sockets and processes: hang guards only. A test that reaches
 * {@link #GUARD_SECONDS} has failed; nothing here asserts a timing.
 */
public final class Waits {
    /** How long a test waits for something that should happen before it calls it a hang. */
    public static final long GUARD_SECONDS = 30;

    private Waits() {
    }

    public static <T> Future<T> await(Future<T> future, String what) throws InterruptedException {
        if (!future.await(GUARD_SECONDS, TimeUnit.SECONDS)) {
            fail("hang: " + what + " did not complete within " + GUARD_SECONDS + " s");
        }
        return future;
    }

    public static void awaitSuccess(Future<?> future, String what) throws InterruptedException {
        await(future, what);
        if (!future.isSuccess()) {
            fail(what + " failed: " + future.cause(), future.cause());
        }
    }

    public static <T> T await(CompletableFuture<T> future, String what) {
        try {
            return future.get(GUARD_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            return fail("hang: " + what + " did not finish within " + GUARD_SECONDS + " s");
        } catch (ExecutionException e) {
            return fail(what + " failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail("interrupted while waiting for " + what);
        }
    }

    /** Polls {@code condition} until it holds; {@code check} runs on each round and may fail the test early. */
    public static void awaitTrue(BooleanSupplier condition, String what, Runnable check) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(GUARD_SECONDS);
        while (!condition.getAsBoolean()) {
            check.run();
            if (System.nanoTime() > deadline) {
                fail("hang: " + what + " did not happen within " + GUARD_SECONDS + " s");
            }
            Thread.sleep(5);
        }
    }

    public static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        awaitTrue(condition, what, () -> { });
    }
}
