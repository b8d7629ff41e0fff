package io.sslwrite;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The counts of one context that change per record or per write, kept per event loop (per thread) so that
 * counting costs the write and read paths no lock and no atomic instruction: only the loop that owns the
 * block writes it, with an opaque store, which on x86 and ARM is an ordinary store that the JIT may neither
 * tear nor drop. {@link ContextStats} reads the blocks of every loop with opaque loads and adds them up:
 * each count is whole and never goes backward, but may be a moment behind its loop.
 */
final class LoopCounters {
    private static final VarHandle ENCRYPTED;
    private static final VarHandle DECRYPTED;
    private static final VarHandle REFUSED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            ENCRYPTED = lookup.findVarHandle(LoopCounters.class, "encrypted", long.class);
            DECRYPTED = lookup.findVarHandle(LoopCounters.class, "decrypted", long.class);
            REFUSED = lookup.findVarHandle(LoopCounters.class, "refused", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    // Written by the owning thread only; its own plain reads see its own last writes.
    private long encrypted;
    private long decrypted;
    private long refused;

    void encrypted(long n) {
        ENCRYPTED.setOpaque(this, encrypted + n);
    }

    void decrypted(long n) {
        DECRYPTED.setOpaque(this, decrypted + n);
    }

    void writeRefused() {
        REFUSED.setOpaque(this, refused + 1);
    }

    long bytesEncrypted() {
        return (long) ENCRYPTED.getOpaque(this);
    }

    long bytesDecrypted() {
        return (long) DECRYPTED.getOpaque(this);
    }

    long writesRefused() {
        return (long) REFUSED.getOpaque(this);
    }
}
