package dev.zeroedge.files;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The budget of small files' bytes the open-file cache holds in memory beside their descriptors: which
 * files qualify (at most {@code largest} bytes) and how many bytes may be held at once in all ({@code
 * budget}). Past the budget a file is simply not held; it is then read from its descriptor per response.
 */
public final class HeldBodies {

    /** What the server holds at most: 4096 files of 16 KiB, the defaults of the cache and of inline bodies. */
    public static final long DEFAULT_BUDGET = 64L * 1024 * 1024;

    /** Off: no bytes held. */
    public static final HeldBodies NONE = new HeldBodies(0, 0);

    private final int largest;
    private final long budget;
    private final AtomicLong held = new AtomicLong();

    /**
     * What a server holds with {@code openFiles} files open at most ({@code --open-file-cache}) and bodies up to
     * {@code inlineBodyMax} bytes ({@code --inline-body-max}): {@link #NONE} when either is 0, else the default
     * budget. One rule for the static root's files and the edge cache's objects.
     */
    public static HeldBodies of(int openFiles, int inlineBodyMax) {
        return openFiles == 0 || inlineBodyMax == 0 ? NONE : new HeldBodies(inlineBodyMax, DEFAULT_BUDGET);
    }

    public HeldBodies(int largest, long budget) {
        if (largest < 0 || budget < 0) {
            throw new IllegalArgumentException("largest and budget must not be negative: " + largest + ", " + budget);
        }
        this.largest = largest;
        this.budget = budget;
    }

    /** Reserves room for a body of {@code length} bytes; false when it is too large or the budget is spent. */
    public boolean reserve(long length) {
        if (length > largest) {
            return false;
        }
        while (true) {
            long now = held.get();
            if (now + length > budget) {
                return false;
            }
            if (held.compareAndSet(now, now + length)) {
                return true;
            }
        }
    }

    /** Gives back what {@link #reserve} took, for a body that was not held after all. */
    public void giveBack(long length) {
        held.addAndGet(-length);
    }

    /** Bytes held right now. */
    public long held() {
        return held.get();
    }
}
