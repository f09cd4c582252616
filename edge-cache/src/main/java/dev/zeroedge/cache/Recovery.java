package dev.zeroedge.cache;

import dev.zeroedge.files.FileSystemPool;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ImmediateEventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * The index coming back from the disk while the cache serves: the fan directories of every cache directory are
 * scanned in parallel on the file-system threads ({@link #CHAINS} at a time per directory, each scan submitting
 * the next, so a hundred thousand objects never flood the queue that requests use), and each object found goes
 * into the index unless a fill of this run committed that key meanwhile. Until the last fan is done, a miss reads
 * its key's metadata file first ({@link EdgeCache}): a committed object is never fetched again only because the
 * scan had not reached it. An object found in a directory that is not the one {@link Placement} picks for it now
 * (it was filled while its own directory was out of service, or the directories changed) is deleted: the index
 * looks for it only where it is placed. An object committed just before a crash is marked to be checked before its
 * first hit ({@link CacheDirectory#recovered}).
 *
 * <p>Why a scan and not a checkpoint plus a journal: the metadata files are the commit records already, so a
 * scan can never disagree with the disk, and a journal would be one more write per commit on the fill's path.
 * A scan of 100,000 objects is a few seconds of file-system threads (docs/bench), and misses meanwhile cost one
 * metadata read each.
 */
final class Recovery {

    private static final Logger log = LoggerFactory.getLogger(Recovery.class);
    /** Scans under way at once per directory: a part of the file-system threads, the rest serve requests meanwhile. */
    static final int CHAINS = 4;

    /** One fan directory of one cache directory. */
    private record Fan(CacheDirectory directory, Path path) {
    }

    private final CacheDirectories directories;
    private final Index index;
    private final CacheCounters counters;
    /** Run on the file-system thread before each fan is scanned: a test holds the scan here. */
    private final Consumer<Path> beforeFan;
    private final AtomicInteger chainsRunning = new AtomicInteger();
    private final LongAdder found = new LongAdder();
    private final LongAdder misplaced = new LongAdder();
    private final CompletableFuture<Integer> complete = new CompletableFuture<>();
    private volatile boolean done;
    private volatile boolean stopped;
    private long started;

    Recovery(CacheDirectories directories, Index index, CacheCounters counters, Consumer<Path> beforeFan) {
        this.directories = directories;
        this.index = index;
        this.counters = counters;
        this.beforeFan = beforeFan;
    }

    /**
     * Starts the scans of the fan directories, {@code fans} one list per directory in service (in their order);
     * {@code started} is when the recovery began (nanoTime).
     */
    void start(List<List<Path>> fans, long startedNanos) {
        started = startedNanos;
        List<CacheDirectory> in = directories.inService();
        int chains = 0;
        for (int d = 0; d < in.size(); d++) {
            chains += Math.max(1, Math.min(CHAINS, fans.get(d).size()));
        }
        chainsRunning.set(chains);
        for (int d = 0; d < in.size(); d++) {
            Queue<Fan> queue = new ConcurrentLinkedQueue<>();
            for (Path fan : fans.get(d)) {
                queue.add(new Fan(in.get(d), fan));
            }
            for (int i = Math.max(1, Math.min(CHAINS, fans.get(d).size())); i > 0; i--) {
                next(queue);
            }
        }
    }

    /** Whether every object on disk is in the index (or was evicted from it since). */
    boolean done() {
        return done;
    }

    /** Completed with the objects found when the index is complete. */
    CompletableFuture<Integer> complete() {
        return complete;
    }

    /** The cache closes: no scan starts any more. */
    void stop() {
        stopped = true;
    }

    private void next(Queue<Fan> queue) {
        Fan fan = stopped ? null : queue.poll();
        if (fan == null) {
            if (chainsRunning.decrementAndGet() == 0) {
                finish();
            }
            return;
        }
        CacheDirectory directory = fan.directory();
        Future<Void> scanned = directory.submit(() -> {
            beforeFan.accept(fan.path());
            if (!directory.inService()) {
                return null; // taken out meanwhile: its objects are not wanted
            }
            for (Store.Found object : directory.store().scan(fan.path())) {
                if (directories.of(object.hash()) != directory) {
                    directory.store().remove(object.hash(), object.object().storedAtMillis());
                    misplaced.increment();
                    continue;
                }
                directory.recovered(object);
                index.recovered(object.hash(), object.object());
                found.increment();
            }
            return null;
        }, ImmediateEventExecutor.INSTANCE);
        if (scanned == null) {
            // The queue is full of requests: they go first, the scan asks again a moment later.
            queue.add(fan);
            CompletableFuture.delayedExecutor(FileSystemPool.BUSY_RETRY_MILLIS, TimeUnit.MILLISECONDS)
                    .execute(() -> next(queue));
            return;
        }
        scanned.addListener(result -> {
            if (!result.isSuccess()) {
                log.warn("scanning {} failed: {}", fan.path(), result.cause().toString());
            }
            next(queue);
        });
    }

    private void finish() {
        if (stopped) {
            complete.cancel(false);
            return;
        }
        long nanos = System.nanoTime() - started;
        done = true;
        counters.recovered(nanos);
        int objects = (int) found.sum();
        if (misplaced.sum() > 0) {
            log.info("cache: {} objects found outside the directory they are placed in now, deleted", misplaced.sum());
        }
        log.info("cache index complete: {} objects in {} ms", objects, nanos / 1_000_000);
        complete.complete(objects);
    }
}
