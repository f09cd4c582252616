package dev.zeroedge.cache;

import dev.zeroedge.files.FileSystemPool;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ImmediateEventExecutor;

import java.io.IOException;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.function.BiConsumer;

/**
 * One {@code --cache-dir}: its {@link Store}, its room ({@link DiskSpace}, against its file system's minimum free),
 * its health ({@link DirectoryHealth}), its {@link Checkpoint}, and the objects committed just before a crash that
 * are checked before their first hit. Its work goes to the file-system threads of its disk through
 * {@link #submit}, which counts the disk's I/O errors; past the threshold the directory is taken out of service
 * ({@link CacheDirectories#takeOut}).
 */
final class CacheDirectory {

    private final Store store;
    private final FileSystemPool pool;
    private final DirectoryHealth health;
    private final Checkpoint checkpoint;
    private final long seed;
    private final BiConsumer<CacheDirectory, String> failing;
    /** Objects recovered after a crash that no hit has checked yet. */
    private final Set<String> unchecked = ConcurrentHashMap.newKeySet();
    private DiskSpace space;
    /** Objects whose metadata was written before this are trusted; after it, checked first ({@link Checkpoint}). */
    private long trustedBefore = Long.MAX_VALUE;
    private volatile boolean inService = true;

    CacheDirectory(Store store, FileSystemPool pool, String configured, BiConsumer<CacheDirectory, String> failing)
            throws IOException {
        this.store = store;
        this.pool = pool;
        this.health = new DirectoryHealth(store.directory());
        this.checkpoint = new Checkpoint(store.directory());
        this.seed = Placement.seed(configured);
        this.failing = failing;
    }

    Store store() {
        return store;
    }

    DiskSpace space() {
        return space;
    }

    void space(DiskSpace room) {
        this.space = room;
    }

    DirectoryHealth health() {
        return health;
    }

    Checkpoint checkpoint() {
        return checkpoint;
    }

    long seed() {
        return seed;
    }

    boolean inService() {
        return inService;
    }

    void takenOut() {
        inService = false;
    }

    /**
     * {@code work} on a file-system thread of this directory's disk, completed on {@code executor}; null when the
     * queue is full (see {@link FileSystemPool#submit}). An I/O error it throws counts against the directory.
     */
    <T> Future<T> submit(Callable<T> work, EventExecutor executor) {
        return pool.submit(store.directory(), () -> {
            try {
                return work.call();
            } catch (Exception e) {
                error(e);
                throw e;
            }
        }, executor);
    }

    /** Runs {@code work} on a file-system thread of this directory, or on the common pool when the queue is full. */
    void execute(Runnable work) {
        Executor fallback = ForkJoinPool.commonPool();
        if (submit(() -> {
            work.run();
            return null;
        }, ImmediateEventExecutor.INSTANCE) == null) {
            fallback.execute(work);
        }
    }

    /** {@code failure} met by work on this directory: counted when it is the disk's (see {@link DirectoryHealth}). */
    void error(Throwable failure) {
        if (DirectoryHealth.counts(failure)) {
            fault("I/O error: " + failure);
        }
    }

    /** An error of this directory (an I/O error, a corrupt object): past the threshold, out of service. */
    void fault(String what) {
        if (health.error(System.nanoTime())) {
            failing.accept(this, DirectoryHealth.ERRORS + " errors within " + DirectoryHealth.WINDOW_NANOS
                    / 1_000_000_000 + " s, the last: " + what);
        }
    }

    /**
     * Reads what the last run left ({@link Checkpoint#trustedBefore}) and says this run is serving. Blocking: at
     * startup, before the recovery.
     */
    void startRun(long nowMillis) throws IOException {
        trustedBefore = checkpoint.trustedBefore();
        checkpoint.running(nowMillis);
    }

    /**
     * {@code found} is back from the disk (the recovery, or a miss that read its metadata first): when it was
     * committed just before a crash, its first hit checks it first.
     */
    void recovered(Store.Found found) {
        if (found.committedMillis() >= trustedBefore) {
            unchecked.add(found.hash());
        }
    }

    boolean unchecked(String hash) {
        return unchecked.contains(hash);
    }

    void checked(String hash) {
        unchecked.remove(hash);
    }

    @Override
    public String toString() {
        return store.directory().toString();
    }
}
