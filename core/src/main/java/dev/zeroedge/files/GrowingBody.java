package dev.zeroedge.files;

import io.netty.util.concurrent.EventExecutor;

import java.util.ArrayList;
import java.util.List;

/**
 * How much of a body that is still being written can be read: an edge cache's fill writes an origin's bytes
 * into a file while clients are already sent what is there. The writer says {@link #grew} after each write is
 * on disk (never before: a sender must not reach bytes that are not there), then {@link #completed} or
 * {@link #failed}; a reader that has sent everything readable asks {@link #whenPast} to be woken on its own
 * event loop by the next growth, never by a timer.
 *
 * <p>Lives beside the {@link OpenFile} of the growing file (see {@link OpenFile#filling}); the file's
 * {@link OpenFile#length} is the length the body will have.
 */
public final class GrowingBody {

    /** The length the body will have; -1 while not known (a chunked origin response), set by {@link #completed}. */
    private long length;
    private long readable;
    private boolean complete;
    private Throwable failure;
    private List<Waiter> waiting = new ArrayList<>();

    private record Waiter(EventExecutor loop, Runnable wake) {
    }

    /** @param length the length the body will have when it is complete, or -1 when that is not known yet */
    public GrowingBody(long length) {
        if (length < -1) {
            throw new IllegalArgumentException("length must be -1 (unknown) or more: " + length);
        }
        this.length = length;
    }

    /** The length the body will have, or -1 while it is not known (then it is known once complete). */
    public synchronized long length() {
        return length;
    }

    public synchronized boolean complete() {
        return complete;
    }

    /** Bytes {@code [0, readable())} are in the file. */
    public synchronized long readable() {
        return readable;
    }

    /** Why the body will never be complete (the origin cut it short), or null. */
    public synchronized Throwable failure() {
        return failure;
    }

    /**
     * True when more than {@code position} bytes are readable or the body has ended (complete or failed), so
     * the caller goes on at once; otherwise {@code wake} runs on {@code loop} once either is true, and false.
     */
    public boolean whenPast(long position, EventExecutor loop, Runnable wake) {
        synchronized (this) {
            if (readable > position || complete || failure != null) {
                return true;
            }
            waiting.add(new Waiter(loop, wake));
            return false;
        }
    }

    /** The writer has {@code [0, readable)} on disk. */
    public void grew(long newReadable) {
        List<Waiter> woken;
        synchronized (this) {
            if ((length >= 0 && newReadable > length) || newReadable < readable) {
                throw new IllegalArgumentException(newReadable + " readable of a " + length + "-byte body, was "
                        + readable);
            }
            readable = newReadable;
            woken = takeWaiting();
        }
        wake(woken);
    }

    /** Every byte is on disk (a body of unknown length: its length is what is readable now). */
    public void completed() {
        List<Waiter> woken;
        synchronized (this) {
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

    /** The body will never be complete: readers past {@link #readable} fail with {@code cause}. */
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
        return "GrowingBody(" + readable + " of " + length + (complete ? ", complete" : "")
                + (failure != null ? ", failed" : "") + ")";
    }
}
