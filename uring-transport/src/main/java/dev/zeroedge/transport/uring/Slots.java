package dev.zeroedge.transport.uring;

import java.util.ArrayList;
import java.util.List;

/**
 * The operations a ring handle has in flight, each in a numbered slot: the number is the user data its
 * completion carries back, so a completion finds what it completes without a map. Only ever used on the
 * handle's loop.
 */
final class Slots<T> {

    private final Object[] items;
    private final short[] free;
    private int freeCount;

    Slots(int size) {
        if (size < 1 || size > Short.MAX_VALUE) {
            throw new IllegalArgumentException("slots must be within 1.." + Short.MAX_VALUE + ": " + size);
        }
        items = new Object[size];
        free = new short[size];
        for (int i = 0; i < size; i++) {
            free[i] = (short) (size - 1 - i);
        }
        freeCount = size;
    }

    /** A slot for {@code item}; -1 when none is free. */
    short take(T item) {
        if (freeCount == 0) {
            return -1;
        }
        short slot = free[--freeCount];
        items[slot] = item;
        return slot;
    }

    /** What is in {@code slot}; null for a free one or a number that names none (an untracked completion). */
    @SuppressWarnings("unchecked")
    T get(short slot) {
        return slot < 0 || slot >= items.length ? null : (T) items[slot];
    }

    void giveBack(short slot) {
        items[slot] = null;
        free[freeCount++] = slot;
    }

    boolean full() {
        return freeCount == 0;
    }

    boolean empty() {
        return freeCount == items.length;
    }

    /** What is in flight now, for a shutdown to cancel. */
    @SuppressWarnings("unchecked")
    List<T> inUse() {
        List<T> taken = new ArrayList<>(items.length - freeCount);
        for (Object item : items) {
            if (item != null) {
                taken.add((T) item);
            }
        }
        return taken;
    }
}
