package dev.zeroedge.metrics;

import dev.zeroedge.http.Exchange;
import dev.zeroedge.http.SiteObserver;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.util.concurrent.FastThreadLocal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The serving listener's traffic, counted where it happens: each event loop adds to an array of its own (a
 * plain store, no lock, no shared cache line, no allocation), and a scrape sums the arrays of every loop.
 * That is what lets the counting cost nothing measurable at 1 KiB: a response costs a thread-local lookup
 * and a handful of increments of memory the loop already owns.
 *
 * <p>The stores are opaque ({@link VarHandle#setOpaque}): a long is never seen torn by the scraping thread,
 * and on x86 such a store is an ordinary one. A scrape sees each counter as it was a moment ago; counters
 * only grow, so that is all a scrape needs.
 */
public final class TrafficCounters implements SiteObserver {

    /** The methods counted apart; every other one is {@code other}; a response to no request is {@code unknown}. */
    static final List<String> METHODS = List.of("GET", "HEAD", "other", "unknown");
    static final int LOWEST_CODE = 100;
    static final int CODES = 500;

    /** Upper bounds of the time-to-last-byte buckets, in seconds (explicit buckets; the last is +Inf). */
    static final double[] BOUNDS = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
            0.5, 1, 2.5, 5, 10, 30, 60, 300, Double.POSITIVE_INFINITY};

    // The layout of one loop's array.
    static final int REQUESTS = 0;
    static final int ZERO_COPY_BYTES = REQUESTS + METHODS.size() * CODES;
    static final int COPIED_BYTES = ZERO_COPY_BYTES + 1;
    static final int FAILED = COPIED_BYTES + 1;
    static final int BUCKETS = FAILED + 1;
    static final int NANOS_SUM = BUCKETS + BOUNDS.length;
    static final int ACCEPTED = NANOS_SUM + 1;
    static final int REFUSED = ACCEPTED + 1;
    static final int TIMED_OUT = REFUSED + 1;
    static final int SLOTS = TIMED_OUT + Timeout.values().length;

    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(long[].class);
    private static final long[] BOUNDS_NANOS = new long[BOUNDS.length - 1];

    static {
        for (int i = 0; i < BOUNDS_NANOS.length; i++) {
            BOUNDS_NANOS[i] = Math.round(BOUNDS[i] * TimeUnit.SECONDS.toNanos(1));
        }
    }

    private final List<long[]> loops = new CopyOnWriteArrayList<>();
    private final FastThreadLocal<long[]> mine = new FastThreadLocal<>() {
        @Override
        protected long[] initialValue() {
            long[] counts = new long[SLOTS];
            loops.add(counts);
            return counts;
        }
    };

    @Override
    public void responded(Exchange exchange) {
        long[] counts = mine.get();
        int code = exchange.status();
        if (code >= LOWEST_CODE && code < LOWEST_CODE + CODES) {
            add(counts, REQUESTS + methodIndex(exchange.method()) * CODES + code - LOWEST_CODE, 1);
        }
        add(counts, ZERO_COPY_BYTES, exchange.zeroCopyBytes());
        add(counts, COPIED_BYTES, exchange.copiedBytes());
        if (!exchange.complete()) {
            add(counts, FAILED, 1);
        }
        long nanos = exchange.nanos();
        int bucket = 0;
        while (bucket < BOUNDS_NANOS.length && nanos > BOUNDS_NANOS[bucket]) {
            bucket++;
        }
        add(counts, BUCKETS + bucket, 1);
        add(counts, NANOS_SUM, nanos);
    }

    @Override
    public void accepted() {
        add(mine.get(), ACCEPTED, 1);
    }

    @Override
    public void refused() {
        add(mine.get(), REFUSED, 1);
    }

    @Override
    public void timedOut(Timeout timeout) {
        add(mine.get(), TIMED_OUT + timeout.ordinal(), 1);
    }

    private static int methodIndex(HttpMethod method) {
        if (method == null) {
            return 3;
        }
        if (method == HttpMethod.GET) {
            return 0;
        }
        return method == HttpMethod.HEAD ? 1 : 2;
    }

    /** Only the loop that owns {@code counts} writes it, so read-add-store needs no atomic instruction. */
    private static void add(long[] counts, int slot, long delta) {
        SLOT.setOpaque(counts, slot, counts[slot] + delta);
    }

    /** Every loop's counts summed, slot by slot (the layout above). */
    long[] sum() {
        long[] total = new long[SLOTS];
        for (long[] counts : loops) {
            for (int i = 0; i < SLOTS; i++) {
                total[i] += (long) SLOT.getOpaque(counts, i);
            }
        }
        return total;
    }
}
