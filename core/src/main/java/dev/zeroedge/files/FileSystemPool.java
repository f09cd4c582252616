package dev.zeroedge.files;

import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The threads that wait for the disk so that event loops never do, like nginx's {@code thread_pool} with
 * {@code aio threads}: a fixed number of threads and a bounded queue. When the queue is full the work is
 * refused at once ({@link #submit} answers so), and the request that needed it gets 503 with Retry-After:
 * a disk that stalls costs queued requests, never an unbounded backlog or a loop that stops answering.
 *
 * <p>Results are handed back through a promise of the asking event loop, so whatever runs next (the rest of
 * the request) runs there. Threads start on demand and stop after a minute without work.
 */
public final class FileSystemPool implements FileOpener, AutoCloseable {

    public static final int DEFAULT_THREADS = 16;
    public static final int DEFAULT_QUEUE = 1024;

    private final ThreadPoolExecutor threads;
    private final int queue;
    /** Work started and the nanoseconds it waited in the queue before: the metrics' wait time. */
    private final LongAdder started = new LongAdder();
    private final LongAdder waitedNanos = new LongAdder();

    public FileSystemPool(int threads, int queue) {
        if (threads < 1 || queue < 1) {
            throw new IllegalArgumentException("threads and queue must be positive: " + threads + ", " + queue);
        }
        this.queue = queue;
        this.threads = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(queue),
                new DefaultThreadFactory("file-system", true), new ThreadPoolExecutor.AbortPolicy());
        this.threads.allowCoreThreadTimeOut(true);
    }

    /**
     * Runs {@code work} on a file-system thread; its result (or failure) completes the future on {@code loop}.
     * Null when the queue is full: the caller answers that as busy.
     */
    public <T> Future<T> submit(Callable<T> work, EventExecutor loop) {
        Promise<T> promise = loop.newPromise();
        long queuedAt = System.nanoTime();
        try {
            threads.execute(() -> {
                waitedNanos.add(System.nanoTime() - queuedAt);
                started.increment();
                try {
                    promise.setSuccess(work.call());
                } catch (Throwable t) {
                    promise.setFailure(t);
                }
            });
        } catch (RejectedExecutionException full) {
            return null;
        }
        return promise;
    }

    @Override
    public Future<Lookup> open(DocumentRoot root, String name, HeldBodies held, EventExecutor loop) {
        return lookUp(() -> root.openName(name, held), loop);
    }

    @Override
    public Future<Lookup> recheck(DocumentRoot root, String name, HeldBodies held, FileInfo known,
                                  EventExecutor loop) {
        return lookUp(() -> root.recheckName(name, held, known), loop);
    }

    /** A lookup on a file-system thread, or busy at once when the queue is full. */
    private Future<Lookup> lookUp(Callable<Lookup> lookup, EventExecutor loop) {
        Future<Lookup> looked = submit(lookup, loop);
        return looked != null ? looked
                : loop.newSucceededFuture(new Lookup.Busy("file-system queue full (" + queue + ")", false));
    }

    /** Work that has started since the pool began (each waited {@link #waitedNanos} in all). */
    public long started() {
        return started.sum();
    }

    /** The nanoseconds the {@link #started} work waited in the queue, together. */
    public long waitedNanos() {
        return waitedNanos.sum();
    }

    /** Work queued and not started yet. */
    public int queued() {
        return threads.getQueue().size();
    }

    /**
     * Drops the work that has not started (its promises never complete: nothing was opened for it) and waits
     * up to {@code grace} for the work under way, whose results still reach their event loops, which must be
     * running: a file opened for a request whose loop is gone could not be closed by anyone.
     */
    public void close(java.time.Duration grace) {
        threads.shutdownNow();
        try {
            threads.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        close(java.time.Duration.ZERO);
    }
}
