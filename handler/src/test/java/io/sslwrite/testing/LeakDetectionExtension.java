package io.sslwrite.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Runs every test with Netty's leak detector at {@code PARANOID} and fails the test when Netty reports a
 * leaked buffer (DESIGN §7). It is registered for every test class through
 * {@code META-INF/services/org.junit.jupiter.api.extension.Extension} and
 * {@code junit.jupiter.extensions.autodetection.enabled=true}; nothing needs to name it.
 *
 * <p>Netty notices a leak only when the garbage collector has cleared an unreleased tracked buffer and
 * some later allocation asks the detector to report. So {@link #assertNoLeaks()} collects garbage and
 * then allocates and releases a few tracked buffers until nothing more is reported. A buffer still
 * reachable at the end of a test (held by a channel not yet closed, say) is reported by a later test's
 * check: the failure then says the leak may come from an earlier test, and the record names where the
 * buffer was allocated and touched.
 *
 * <p>Every report goes through one listener. Detectors created after this class loads come from a
 * factory of ours that sets it and always reports (a logging configuration with errors switched off
 * must not hide a leak); the {@code ByteBuf} detector, which may already exist when this class loads,
 * gets the listener by reflection.
 */
public final class LeakDetectionExtension implements BeforeEachCallback, AfterEachCallback {

    /** Leak records reported since the last check, in report order. */
    private static final ConcurrentLinkedQueue<String> LEAKS = new ConcurrentLinkedQueue<>();

    private static final ResourceLeakDetector.LeakListener LISTENER =
            (resourceType, records) -> LEAKS.add(resourceType + " leaked:" + (records.isEmpty()
                    ? " (no access records; PARANOID was not on when it was allocated)" : records));

    /** Rounds of collect-then-allocate; a leak whose reference is cleared late shows in a later round. */
    private static final int ROUNDS = 4;

    static {
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new ReportingFactory());
        attachListenerToByteBufDetector();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        // A test may lower the level for itself; every test starts from PARANOID again.
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        assertNoLeaks();
    }

    /**
     * Collects garbage, makes Netty report what it found, and fails with every leak record reported
     * since the last call. Public so that a test can check in the middle of its body.
     */
    public static void assertNoLeaks() {
        List<String> found = new ArrayList<>();
        for (int round = 0; round < ROUNDS; round++) {
            System.gc();
            try {
                // The reference handler thread enqueues cleared references after the collection.
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            pokeDetectors();
            drainTo(found);
        }
        if (!found.isEmpty()) {
            StringBuilder message = new StringBuilder()
                    .append(found.size()).append(" buffer leak(s) reported by Netty's ResourceLeakDetector")
                    .append(" (a leak is found when the buffer is garbage collected, so it may come from an")
                    .append(" earlier test):");
            for (String leak : found) {
                message.append("\n\n").append(leak);
            }
            fail(message.toString());
        }
    }

    /** Forgets leaks reported so far without failing; for a test that leaks on purpose. */
    public static void discardReportedLeaks() {
        LEAKS.clear();
    }

    private static void drainTo(List<String> found) {
        for (String leak; (leak = LEAKS.poll()) != null; ) {
            found.add(leak);
        }
    }

    /**
     * Every tracked allocation at PARANOID first reports the leaks already collected, so allocating and
     * releasing one buffer of each kind a test may have used makes Netty report them now.
     */
    private static void pokeDetectors() {
        List<ByteBufAllocator> allocators = List.of(ByteBufAllocator.DEFAULT, PooledByteBufAllocator.DEFAULT,
                UnpooledByteBufAllocator.DEFAULT);
        for (ByteBufAllocator allocator : allocators) {
            ByteBuf direct = allocator.directBuffer(16);
            direct.release();
            ByteBuf heap = allocator.heapBuffer(16);
            heap.release();
        }
    }

    private static void attachListenerToByteBufDetector() {
        try {
            Field field = Class.forName("io.netty.buffer.AbstractByteBuf").getDeclaredField("leakDetector");
            field.setAccessible(true);
            ((ResourceLeakDetector<?>) field.get(null)).setLeakListener(LISTENER);
        } catch (ReflectiveOperationException | RuntimeException e) {
            // Without the listener no leak could ever fail a test: refuse to run rather than pass blindly.
            throw new IllegalStateException("cannot attach the leak listener to Netty's ByteBuf leak detector", e);
        }
    }

    /** Detectors that always report, to {@link #LISTENER} as well as to Netty's log. */
    private static final class ReportingFactory extends ResourceLeakDetectorFactory {
        @Override
        @SuppressWarnings("deprecation")
        public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval,
                                                                   long maxActive) {
            ResourceLeakDetector<T> detector = new ResourceLeakDetector<>(resource, samplingInterval, maxActive) {
                @Override
                protected boolean needReport() {
                    return true;
                }
            };
            detector.setLeakListener(LISTENER);
            return detector;
        }

        @Override
        public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval) {
            ResourceLeakDetector<T> detector = new ResourceLeakDetector<>(resource, samplingInterval) {
                @Override
                protected boolean needReport() {
                    return true;
                }
            };
            detector.setLeakListener(LISTENER);
            return detector;
        }
    }
}
