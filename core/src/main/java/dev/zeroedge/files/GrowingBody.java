package dev.zeroedge.files;

import io.netty.util.concurrent.EventExecutor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which bytes of a body that is still being written can be read: an edge cache's fill writes an origin's bytes
 * into a file while clients are already sent what is there. A sequential fill says {@link #grew} after each
 * write is on disk (bytes {@code [0, n)} are there); a fill of a large object in slices says {@link #arrived}
 * for each range it has on disk, in any order, so the present bytes are a set of ranges, not a prefix. Never
 * before the bytes are on disk: a sender must not reach bytes that are not there. Then {@link #completed}
 * (every byte is there) or {@link #failed}; a reader that has sent everything present from its position asks
 * {@link #whenPast} to be woken on its own event loop by the next arrival, never by a timer.
 *
 * <p>A body filled on demand (slices fetched only when someone reads them) has a {@link Demand}: each time a
 * sender asks what it may send from a position ({@link #readableFrom}), the demand hears where it is and how
 * far it will read, and fetches what is missing or about to be needed.
 *
 * <p>Lives beside the {@link OpenFile} of the growing file (see {@link OpenFile#filling}); the file's
 * {@link OpenFile#length} is the length the body will have.
 */
public final class GrowingBody {

    /** Hears where the senders of a body filled on demand are. */
    @FunctionalInterface
    public interface Demand {
        /**
         * A sender is at {@code position} and will read up to {@code until} (exclusive; Long.MAX_VALUE when it
         * reads to the end). Called on the sender's event loop, often: must be cheap and must not block.
         */
        void reading(long position, long until);
    }

    /** The length the body will have; -1 while not known (a chunked origin response), set by {@link #completed}. */
    private long length;
    /**
     * The present ranges, sorted and disjoint (never touching: touching ones are merged), as start, end pairs:
     * {@code [starts[i], ends[i])}. A sequential fill keeps exactly one, from 0.
     */
    private long[] starts = new long[1];
    private long[] ends = new long[1];
    private int ranges;
    private boolean complete;
    private Throwable failure;
    private List<Waiter> waiting = new ArrayList<>();
    private final Demand demand;
    /** Where each sender that said who it is has sent up to ({@link #readableFrom(Object, long, long)}). */
    private final Map<Object, Long> senders = new IdentityHashMap<>(2);

    private record Waiter(EventExecutor loop, Runnable wake) {
    }

    /** @param length the length the body will have when it is complete, or -1 when that is not known yet */
    public GrowingBody(long length) {
        this(length, null);
    }

    /** A body of {@code length} bytes filled on demand: {@code demand} hears where its readers are. */
    public GrowingBody(long length, Demand demand) {
        if (length < -1) {
            throw new IllegalArgumentException("length must be -1 (unknown) or more: " + length);
        }
        this.length = length;
        this.demand = demand;
    }

    /** The length the body will have, or -1 while it is not known (then it is known once complete). */
    public synchronized long length() {
        return length;
    }

    public synchronized boolean complete() {
        return complete;
    }

    /** Bytes {@code [0, readable())} are in the file (the first present range, when it starts at 0). */
    public synchronized long readable() {
        return ranges > 0 && starts[0] == 0 ? ends[0] : 0;
    }

    /**
     * Where the present bytes from {@code position} end: {@code position} itself when the byte there is missing.
     * A sender asks this before each slice it sends; the body's {@link Demand}, if any, hears that the sender is
     * at {@code position} and reads up to {@code until}.
     */
    public long readableFrom(long position, long until) {
        long end;
        synchronized (this) {
            int at = rangeOf(position);
            end = at >= 0 ? ends[at] : position;
        }
        if (demand != null) {
            demand.reading(position, until);
        }
        return end;
    }

    /**
     * {@link #readableFrom(long, long)} for a sender that says who it is: {@code position} is what it has sent (every
     * byte before it is in the kernel), kept until it {@linkplain #left leaves}, so that a fill whose disk is full can
     * free the blocks that every sender has sent ({@link #sentByAll}).
     */
    public long readableFrom(Object sender, long position, long until) {
        synchronized (this) {
            senders.put(sender, position);
        }
        return readableFrom(position, until);
    }

    /** {@code sender} sends nothing more of this body (done, or failed): called before it lets the file go. */
    public synchronized void left(Object sender) {
        senders.remove(sender);
    }

    /**
     * The least position of the senders, when {@code holders} of them have said where they are: every byte before it
     * has been sent by every one of them, so none reads it again. {@code holders} is how many hold the file apart
     * from its writer, read before this call (none comes any more): when fewer have said where they are, one has not
     * started sending yet (its response waits, or is not a plain sender's) and 0 is the answer.
     */
    public synchronized long sentByAll(int holders) {
        if (holders <= 0 || senders.size() < holders) {
            return 0;
        }
        long least = Long.MAX_VALUE;
        for (long position : senders.values()) {
            least = Math.min(least, position);
        }
        return least;
    }

    /** Whether every byte of {@code [from, to)} is in the file. */
    public synchronized boolean present(long from, long to) {
        if (from >= to) {
            return true;
        }
        int at = rangeOf(from);
        return at >= 0 && ends[at] >= to;
    }

    /** Why the body will never be complete (the origin cut it short), or null. */
    public synchronized Throwable failure() {
        return failure;
    }

    /**
     * True when the byte at {@code position} is present or the body has ended (complete or failed), so the caller
     * goes on at once; otherwise {@code wake} runs on {@code loop} once either is true, and false. A reader is
     * woken by any arrival, and looks again.
     */
    public boolean whenPast(long position, EventExecutor loop, Runnable wake) {
        synchronized (this) {
            if (rangeOf(position) >= 0 || complete || failure != null) {
                return true;
            }
            waiting.add(new Waiter(loop, wake));
            return false;
        }
    }

    /** A sequential writer has {@code [0, readable)} on disk. */
    public void grew(long newReadable) {
        List<Waiter> woken;
        synchronized (this) {
            long readable = ranges > 0 && starts[0] == 0 ? ends[0] : 0;
            if ((length >= 0 && newReadable > length) || newReadable < readable) {
                throw new IllegalArgumentException(newReadable + " readable of a " + length + "-byte body, was "
                        + readable);
            }
            add(0, newReadable);
            woken = takeWaiting();
        }
        wake(woken);
    }

    /** Bytes {@code [from, to)} are on disk (a slice of a body filled in any order). */
    public void arrived(long from, long to) {
        List<Waiter> woken;
        synchronized (this) {
            if (from < 0 || to < from || (length >= 0 && to > length)) {
                throw new IllegalArgumentException("bytes " + from + "-" + to + " of a " + length + "-byte body");
            }
            add(from, to);
            woken = takeWaiting();
        }
        wake(woken);
    }

    /** Every byte is on disk (a body of unknown length: its length is what is readable now). */
    public void completed() {
        List<Waiter> woken;
        synchronized (this) {
            long readable = ranges > 0 && starts[0] == 0 ? ends[0] : 0;
            if (length < 0) {
                length = readable;
            }
            if (readable != length) {
                throw new IllegalStateException("complete at " + readable + " of " + length + " bytes");
            }
            complete = true;
            woken = takeWaiting();
        }
        wake(woken);
    }

    /** The body will never be complete: readers that need a missing byte fail with {@code cause}. */
    public void failed(Throwable cause) {
        List<Waiter> woken;
        synchronized (this) {
            if (complete) {
                return;
            }
            failure = cause;
            woken = takeWaiting();
        }
        wake(woken);
    }

    /** The index of the range holding {@code position}, or -1. */
    private int rangeOf(long position) {
        // Nearly always one range (a sequential fill) or a few (slices): a scan beats a search.
        for (int i = 0; i < ranges; i++) {
            if (position < starts[i]) {
                return -1;
            }
            if (position < ends[i]) {
                return i;
            }
        }
        return -1;
    }

    /** Adds {@code [from, to)}, merging it with the ranges it overlaps or touches. */
    private void add(long from, long to) {
        if (from == to) {
            return;
        }
        int first = 0;
        while (first < ranges && ends[first] < from) {
            first++;
        }
        int last = first;
        long start = from;
        long end = to;
        while (last < ranges && starts[last] <= to) {
            start = Math.min(start, starts[last]);
            end = Math.max(end, ends[last]);
            last++;
        }
        int removed = last - first;
        int count = ranges - removed + 1;
        if (count > starts.length) {
            starts = Arrays.copyOf(starts, Math.max(count, starts.length * 2));
            ends = Arrays.copyOf(ends, starts.length);
        }
        System.arraycopy(starts, last, starts, first + 1, ranges - last);
        System.arraycopy(ends, last, ends, first + 1, ranges - last);
        starts[first] = start;
        ends[first] = end;
        ranges = count;
    }

    private List<Waiter> takeWaiting() {
        if (waiting.isEmpty()) {
            return List.of();
        }
        List<Waiter> woken = waiting;
        waiting = new ArrayList<>();
        return woken;
    }

    private static void wake(List<Waiter> woken) {
        for (Waiter waiter : woken) {
            waiter.loop.execute(waiter.wake);
        }
    }

    @Override
    public synchronized String toString() {
        StringBuilder present = new StringBuilder();
        for (int i = 0; i < ranges; i++) {
            present.append(i == 0 ? "" : ",").append(starts[i]).append('-').append(ends[i]);
        }
        return "GrowingBody([" + present + "] of " + length + (complete ? ", complete" : "")
                + (failure != null ? ", failed" : "") + ")";
    }
}
