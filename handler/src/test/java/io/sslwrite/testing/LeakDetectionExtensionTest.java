package io.sslwrite.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** DESIGN §7: the leak detector that every test runs with must be able to fail a test. */
class LeakDetectionExtensionTest {

    @AfterEach
    void forgetDeliberateLeaks() {
        // Whatever a test here leaked on purpose must not fail the test that runs next.
        LeakDetectionExtension.discardReportedLeaks();
    }

    @Test
    void everyTestRunsAtParanoidLevel() {
        assertEquals(ResourceLeakDetector.Level.PARANOID, ResourceLeakDetector.getLevel());
    }

    @Test
    void anUnreleasedPooledDirectBufferFailsTheCheckAndNamesWhereItWasAllocated() {
        leakPooledDirectBuffer();

        AssertionFailedError failure = assertThrows(AssertionFailedError.class, LeakDetectionExtension::assertNoLeaks);

        assertTrue(failure.getMessage().contains("leak"), failure.getMessage());
        // PARANOID records the allocation site, so the report points at the method that leaked.
        assertTrue(failure.getMessage().contains("leakPooledDirectBuffer"), failure.getMessage());
    }

    @Test
    void anUnreleasedBufferFromTheDefaultAllocatorFailsTheCheck() {
        leakDefaultHeapBuffer();

        assertThrows(AssertionFailedError.class, LeakDetectionExtension::assertNoLeaks);
    }

    @Test
    void releasedBuffersPassTheCheck() {
        ByteBuf direct = PooledByteBufAllocator.DEFAULT.directBuffer(1024).writeZero(1024);
        ByteBuf heap = ByteBufAllocator.DEFAULT.heapBuffer(1024).writeZero(1024);
        direct.release();
        heap.release();

        assertDoesNotThrow(LeakDetectionExtension::assertNoLeaks);
    }

    /** Allocates in its own frame so that nothing reachable keeps the buffer alive. */
    private static void leakPooledDirectBuffer() {
        ByteBuf leaked = PooledByteBufAllocator.DEFAULT.directBuffer(4096);
        leaked.writeBytes(new byte[100]);
    }

    private static void leakDefaultHeapBuffer() {
        ByteBuf leaked = ByteBufAllocator.DEFAULT.heapBuffer(4096);
        leaked.writeInt(42);
    }
}
