package dev.zeroedge.cache;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * How fast a check reads: at most {@code bytesPerSecond} on average (0: as fast as the disk goes), and not at
 * all while {@code busy} says the disk is serving clients. Each read delays the next by its bytes at that
 * rate; a reader that was paused or slow earns no credit past one second's bytes, so it never catches up in a
 * burst.
 */
final class Pace {

    private static final long BUSY_WAIT_MILLIS = 20;

    private final long bytesPerSecond;
    private final BooleanSupplier busy;
    private long nextNanos = System.nanoTime();
    private long taken;

    Pace(long bytesPerSecond, BooleanSupplier busy) {
        this.bytesPerSecond = bytesPerSecond;
        this.busy = busy;
    }

    /** As fast as the disk goes, never paused: the offline check. */
    static Pace unlimited() {
        return new Pace(0, () -> false);
    }

    /** Waits until {@code bytes} may be read. */
    void take(long bytes) throws InterruptedException {
        while (busy.getAsBoolean()) {
            Thread.sleep(BUSY_WAIT_MILLIS);
        }
        taken += bytes;
        if (bytesPerSecond <= 0) {
            return;
        }
        long now = System.nanoTime();
        nextNanos = Math.max(nextNanos, now - TimeUnit.SECONDS.toNanos(1));
        long wait = nextNanos - now;
        nextNanos += (long) (bytes * 1e9 / bytesPerSecond);
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }

    /** The bytes read so far. */
    long taken() {
        return taken;
    }
}
