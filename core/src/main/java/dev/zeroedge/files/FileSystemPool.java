package dev.zeroedge.files;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
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
 * <p>Threads and queue are per disk, as Traffic Server gives each cache disk threads of its own
 * ({@code proxy.config.cache.threads_per_disk}): one shared queue would put a hot file's stat on the local
 * SSD behind thirty cold reads from a stalled NFS or FUSE mount, and its request would wait seconds for a
 * disk it never touches. Work goes to the disk of the directory it touches, as earlier lookups found it
 * (a directory's files are on its file system: a mount point below it is a directory of its own); a
 * directory no lookup has found yet shares one more queue, "not known yet", until one does. So a slow disk
 * fills its own queue and gets its own 503s, and the others go on. The threads in all are bounded by the
 * disks the document root spans.
 *
 * <p>Results are handed back through a promise of the asking event loop, so whatever runs next (the rest of
 * the request) runs there. Threads start on demand and stop after a minute without work.
 */
public final class FileSystemPool implements FileOpener, AutoCloseable {

    public static final int DEFAULT_THREADS = 16;
    public static final int DEFAULT_QUEUE = 1024;
    /** How long work that a full queue refused, past a response's first bytes, waits before asking again. */
    public static final long BUSY_RETRY_MILLIS = 10;
    /** The lane of work whose disk no lookup has found yet. */
    static final long NOT_KNOWN_YET = Long.MIN_VALUE;
    /** Directories whose disk is remembered; past that, the least used are forgotten (and found again). */
    private static final int DIRECTORIES = 16_384;

    private final int threadsPerDisk;
    private final int queue;
    private final ConcurrentHashMap<Long, ThreadPoolExecutor> disks = new ConcurrentHashMap<>();
    private final Cache<Path, Long> diskOfDirectory = Caffeine.newBuilder().maximumSize(DIRECTORIES)
            .executor(Runnable::run).build();
    private volatile boolean closed;
    /** Work started and the nanoseconds it waited in the queue before: the metrics' wait time. */
    private final LongAdder started = new LongAdder();
    private final LongAdder waitedNanos = new LongAdder();

    /**
     * @param threads threads per disk
     * @param queue   work that may wait per disk before requests for that disk get 503
     */
    public FileSystemPool(int threads, int queue) {
        if (threads < 1 || queue < 1) {
            throw new IllegalArgumentException("threads and queue must be positive: " + threads + ", " + queue);
        }
        this.threadsPerDisk = threads;
        this.queue = queue;
    }

    /**
     * Runs {@code work}, which touches {@code file} (or a file in the directory {@code file} names the parent
     * of), on a thread of that file's disk; its result (or failure) completes the future on {@code loop}.
     * Null when that disk's queue is full (or the pool is closed): the caller answers that as busy.
     */
    public <T> Future<T> submit(Path file, Callable<T> work, EventExecutor loop) {
        return submit(diskOf(file.getParent()), work, loop);
    }

    /**
     * Whether work for {@code file}'s disk would be taken now (a thread free or a place in the queue), for a caller
     * that must write something on the loop before it can {@link #submit}, and that may still refuse its response
     * only until then. A hint: another loop may take the place meanwhile, and the submit then answers null.
     */
    public boolean hasRoom(Path file) {
        if (closed) {
            return false;
        }
        ThreadPoolExecutor lane = lane(diskOf(file.getParent()));
        return lane.getActiveCount() < threadsPerDisk || lane.getQueue().remainingCapacity() > 0;
    }

    private <T> Future<T> submit(long disk, Callable<T> work, EventExecutor loop) {
        if (closed) {
            return null;
        }
        Promise<T> promise = loop.newPromise();
        long queuedAt = System.nanoTime();
        try {
            lane(disk).execute(() -> {
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
        Path parent = root.path().resolve(name.substring(1)).getParent();
        return lookUp(diskOf(parent), () -> root.openName(name, held), loop);
    }

    @Override
    public Future<Lookup> recheck(DocumentRoot root, String name, HeldBodies held, FileInfo known,
                                  EventExecutor loop) {
        return lookUp(known.device(), () -> root.recheckName(name, held, known), loop);
    }

    /** A lookup on a thread of {@code disk}, or busy at once when its queue is full; a file found teaches its disk. */
    private Future<Lookup> lookUp(long disk, Callable<Lookup> lookup, EventExecutor loop) {
        Future<Lookup> looked = submit(disk, () -> {
            Lookup found = lookup.call();
            if (found instanceof Lookup.Found(FileInfo file, OpenFile open) && file.path().getParent() != null) {
                diskOfDirectory.put(file.path().getParent(), file.device());
            }
            return found;
        }, loop);
        return looked != null ? looked
                : loop.newSucceededFuture(new Lookup.Busy("file-system queue full (" + queue + ")", false));
    }

    /** The disk a lookup found {@code directory}'s files on, or {@link #NOT_KNOWN_YET}. */
    long diskOf(Path directory) {
        Long disk = directory == null ? null : diskOfDirectory.getIfPresent(directory);
        return disk != null ? disk : NOT_KNOWN_YET;
    }

    private ThreadPoolExecutor lane(long disk) {
        return disks.computeIfAbsent(disk, d -> {
            String name = d == NOT_KNOWN_YET ? "file-system" : "file-system-" + Long.toHexString(d >>> 32) + ":"
                    + Long.toHexString(d & 0xffff_ffffL);
            ThreadPoolExecutor lane = new ThreadPoolExecutor(threadsPerDisk, threadsPerDisk, 60, TimeUnit.SECONDS,
                    new ArrayBlockingQueue<>(queue), new DefaultThreadFactory(name, true),
                    new ThreadPoolExecutor.AbortPolicy());
            lane.allowCoreThreadTimeOut(true);
            if (closed) {
                lane.shutdownNow();
            }
            return lane;
        });
    }

    /** Work that has started since the pool began, on every disk (each waited {@link #waitedNanos} in all). */
    public long started() {
        return started.sum();
    }

    /** The nanoseconds the {@link #started} work waited in its disk's queue, together. */
    public long waitedNanos() {
        return waitedNanos.sum();
    }

    /** Work queued and not started yet, on every disk. */
    public int queued() {
        return disks.values().stream().mapToInt(lane -> lane.getQueue().size()).sum();
    }

    /**
     * Drops the work that has not started (its promises never complete: nothing was opened for it) and waits
     * up to {@code grace} for the work under way, whose results still reach their event loops, which must be
     * running: a file opened for a request whose loop is gone could not be closed by anyone.
     */
    public void close(Duration grace) {
        closed = true;
        disks.values().forEach(ThreadPoolExecutor::shutdownNow);
        long deadline = System.nanoTime() + grace.toNanos();
        try {
            for (ThreadPoolExecutor lane : disks.values()) {
                lane.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        close(Duration.ZERO);
    }
}
