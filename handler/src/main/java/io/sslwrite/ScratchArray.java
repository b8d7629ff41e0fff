package io.sslwrite;

import io.netty.util.concurrent.FastThreadLocal;

/**
 * A byte array per thread, lent to one user at a time: the scratch space a record needs while it is
 * framed, packed or encrypted. A Netty event loop runs one connection's code at a time, so the
 * thousands of connections of one event loop share one array instead of each keeping its own, and an
 * idle connection holds none.
 *
 * <p>Lending guards against re-entrance: code run while the array is lent (a promise listener, a
 * {@code channelRead} that feeds another channel of the same thread, as {@code EmbeddedChannel} tests
 * do) gets a fresh array of its own instead of the one in use. Borrowers return the array in a
 * {@code finally}.
 */
final class ScratchArray {
    private final int size;
    private final FastThreadLocal<Slot> slots = new FastThreadLocal<>() {
        @Override
        protected Slot initialValue() {
            return new Slot();
        }
    };

    private static final class Slot {
        byte[] array;
        boolean lent;
    }

    ScratchArray(int size) {
        this.size = size;
    }

    /** This thread's array, or a new one if it is lent already; give it back with {@link #giveBack}. */
    byte[] borrow() {
        Slot slot = slots.get();
        if (slot.lent) {
            return new byte[size];
        }
        slot.lent = true;
        if (slot.array == null) {
            slot.array = new byte[size];
        }
        return slot.array;
    }

    /** Returns what {@link #borrow} gave; an array made for a re-entrant borrower is simply dropped. */
    void giveBack(byte[] array) {
        Slot slot = slots.get();
        if (slot.array == array) {
            slot.lent = false;
        }
    }

    /**
     * This thread's array without lending it, for a use that no other code can interrupt: it is
     * written and read within one call into bctls that runs nothing of the application's.
     */
    byte[] unguarded() {
        Slot slot = slots.get();
        if (slot.array == null) {
            slot.array = new byte[size];
        }
        return slot.array;
    }
}
