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
 * The index coming back from the disk while the cache serves: the fan directories are scanned in parallel on the
 * file-system threads ({@link #CHAINS} at a time, each scan submitting the next, so a hundred thousand objects
 * never flood the queue that requests use), and each object found goes into the index unless a fill of this run
 * committed that key meanwhile. Until the last fan is done, a miss reads its key's metadata file first
 * ({@link EdgeCache}): a committed object is never fetched again only because the scan had not reached it.
 *
 * <p>Why a scan and not a checkpoint plus a journal: the metadata files are the commit records already, so a
 * scan can never disagree with the disk, and a journal would be one more write per commit on the fill's path.
 * A scan of 100,000 objects is a few seconds of file-system threads (docs/bench), and misses meanwhile cost one
 * metadata read each.
 */
final class Recovery {

    private static final Logger log = LoggerFactory.getLogger(Recovery.class);
    /** Scans under way at once: a part of the file-system threads, the rest serve requests meanwhile. */
    static final int CHAINS = 4;

    private final Store store;
    private final Index index;
    private final FileSystemPool pool;
    private final CacheCounters counters;
    /** Run on the file-system thread before each fan is scanned: a test holds the scan here. */
    private final Consumer<Path> beforeFan;
    private final Queue<Path> fans = new ConcurrentLinkedQueue<>();
    private final AtomicInteger chainsRunning = new AtomicInteger();
    private final LongAdder found = new LongAdder();
    private final CompletableFuture<Integer> complete = new CompletableFuture<>();
    private volatile boolean done;
    private volatile boolean stopped;
    private long started;

    Recovery(Store store, Index index, FileSystemPool pool, CacheCounters counters, Consumer<Path> beforeFan) {
        this.store = store;
        this.index = index;
        this.pool = pool;
        this.counters = counters;
        this.beforeFan = beforeFan;
    }

    /** Starts the scan of {@code all} fan directories; {@code started} is when the recovery began (nanoTime). */
    void start(List<Path> all, long startedNanos) {
        started = startedNanos;
        fans.addAll(all);
        int chains = Math.max(1, Math.min(CHAINS, all.size()));
        chainsRunning.set(chains);
        for (int i = 0; i < chains; i++) {
            next();
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

    private void next() {
        Path fan = stopped ? null : fans.poll();
        if (fan == null) {
            if (chainsRunning.decrementAndGet() == 0) {
                finish();
            }
            return;
        }
        Future<Void> scanned = pool.submit(store.directory(), () -> {
            beforeFan.accept(fan);
            for (Store.Found object : store.scan(fan)) {
                index.recovered(object.hash(), object.object());
                found.increment();
            }
            return null;
        }, ImmediateEventExecutor.INSTANCE);
        if (scanned == null) {
            // The queue is full of requests: they go first, the scan asks again a moment later.
            fans.add(fan);
            CompletableFuture.delayedExecutor(FileSystemPool.BUSY_RETRY_MILLIS, TimeUnit.MILLISECONDS)
                    .execute(this::next);
            return;
        }
        scanned.addListener(result -> {
            if (!result.isSuccess()) {
                log.warn("scanning {} failed: {}", fan, result.cause().toString());
            }
            next();
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
        log.info("cache index complete: {} objects in {} ms", objects, nanos / 1_000_000);
        complete.complete(objects);
    }
}
