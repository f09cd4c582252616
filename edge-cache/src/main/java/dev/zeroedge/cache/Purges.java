package dev.zeroedge.cache;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The prefix purges in force ({@link PurgeRecord}), and their sweeps. A purge of a prefix costs the request that
 * makes it one record in memory: a lookup compares the object it found with the records ({@link #of}), so a
 * purged object is never served, and nothing walks the disk on a request's path. The disk is reclaimed in the
 * background: a sweep on this class's own thread (never an event loop, never a file-system thread that requests
 * queue for) goes through the index once the recovery is complete, forgets every object the record covers
 * (their files are unlinked as for an eviction) or, for a soft purge, makes it stale in the index and in its
 * metadata file.
 *
 * <p>Across a restart: the records are kept in {@code DIR/purges} (written on the sweep thread right after the
 * purge, forced, renamed), read at startup, and swept again when the recovered index is complete; an object
 * found again by the recovery is compared with them like any other. A record is dropped {@link #KEPT_MILLIS}
 * after its sweep: by then its objects are gone or stale on disk, and fills that were under way when it was made
 * have ended.
 */
final class Purges {

    private static final Logger log = LoggerFactory.getLogger(Purges.class);

    /** How long a record is kept after its sweep (fills begun before the purge commit within it). */
    static final long KEPT_MILLIS = TimeUnit.HOURS.toMillis(1);

    enum Verdict { NONE, STALE, GONE }

    /** Where the records are kept. */
    private final Store store;
    /** Where an object is stored, for a soft purge's rewrite of its metadata. */
    private final Function<String, Store> storeOf;
    private final Index index;
    private final ScheduledExecutorService sweeper;
    private volatile List<PurgeRecord> records;

    private Purges(Store store, Function<String, Store> storeOf, Index index, List<PurgeRecord> records) {
        this.store = store;
        this.storeOf = storeOf;
        this.index = index;
        this.records = List.copyOf(records);
        this.sweeper = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "cache-purge-sweep");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** The records the cache directory kept; blocking (startup). */
    static Purges open(Store store, Function<String, Store> storeOf, Index index) {
        List<PurgeRecord> kept = new ArrayList<>();
        try {
            for (String line : store.readPurges().split("\n")) {
                if (!line.isBlank()) {
                    kept.add(PurgeRecord.parse(line));
                }
            }
        } catch (IOException | IllegalArgumentException e) {
            log.warn("cannot read the purge records of {}: {}", store.directory(), e.toString());
        }
        if (!kept.isEmpty()) {
            log.info("cache: {} prefix purges kept from before the restart", kept.size());
        }
        return new Purges(store, storeOf, index, kept);
    }

    /** What the records say of {@code object}: the strongest purge that reaches it. */
    Verdict of(StoredObject object) {
        List<PurgeRecord> now = records;
        Verdict verdict = Verdict.NONE;
        for (int i = 0; i < now.size(); i++) { // no iterator: this runs on every lookup of a cache with records
            PurgeRecord record = now.get(i);
            if (record.covers(object)) {
                if (!record.soft()) {
                    return Verdict.GONE;
                }
                verdict = Verdict.STALE;
            }
        }
        return verdict;
    }

    /**
     * Puts {@code record} in force at once; it is written to the records' file and swept (once {@code recovered}
     * completes) on the sweep thread.
     */
    void add(PurgeRecord record, CompletableFuture<?> recovered) {
        synchronized (this) {
            List<PurgeRecord> next = new ArrayList<>(records);
            next.add(record);
            records = List.copyOf(next);
        }
        if (recovered.isDone() && !recovered.isCompletedExceptionally()) {
            run(() -> { // one hand-over to the sweep thread, not two: the request's own cost is what is measured
                save();
                sweep(record);
            });
        } else {
            run(this::save);
            sweepWhen(recovered, record);
        }
    }

    /** The records read at startup are swept again when the index is complete. */
    void sweepKept(CompletableFuture<?> recovered) {
        for (PurgeRecord record : records) {
            sweepWhen(recovered, record);
        }
    }

    /** Sweeps {@code record} once the recovered index is complete (not when the cache closed before). */
    private void sweepWhen(CompletableFuture<?> recovered, PurgeRecord record) {
        recovered.whenComplete((found, failed) -> {
            if (failed == null) {
                run(() -> sweep(record));
            }
        });
    }

    private void run(Runnable task) {
        try {
            sweeper.execute(task);
        } catch (RejectedExecutionException e) {
            // The cache is closing: what is not written now is not needed (a sweep) or lost with the process.
        }
    }

    private void sweep(PurgeRecord record) {
        long started = System.nanoTime();
        int[] reached = new int[1];
        index.each((hash, object) -> {
            if (!record.covers(object)) {
                return;
            }
            reached[0]++;
            if (!record.soft()) {
                index.invalidate(hash, object); // its files go as an evicted object's do
                return;
            }
            StoredObject stale = object.staled();
            if (object.lifetime() != 0 && index.replace(hash, object, stale)) {
                try {
                    storeOf.apply(hash).revalidated(hash, object, stale);
                } catch (IOException e) {
                    log.warn("cannot mark {} stale on disk: {}", object.key(), e.toString());
                }
            }
        });
        log.info("purge sweep of {} ({}): {} objects in {} ms", record.prefix(), record.soft() ? "soft" : "hard",
                reached[0], (System.nanoTime() - started) / 1_000_000);
        try {
            sweeper.schedule(() -> drop(record), KEPT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // Closing: the record stays in the file, and the next start sweeps it again.
        }
    }

    private void drop(PurgeRecord record) {
        synchronized (this) {
            List<PurgeRecord> next = new ArrayList<>(records);
            next.remove(record);
            records = List.copyOf(next);
        }
        save();
    }

    /** Writes the records in force now; on the sweep thread, so the writes are in the order of the changes. */
    private void save() {
        StringBuilder text = new StringBuilder();
        for (PurgeRecord record : records) {
            text.append(record.line()).append('\n');
        }
        try {
            store.savePurges(text.toString());
        } catch (IOException e) {
            log.warn("cannot write the purge records of {}: {}", store.directory(), e.toString());
        }
    }

    /** Records in force now (tests). */
    int size() {
        return records.size();
    }

    /** Runs {@code task} after the sweeps and writes asked before it (tests wait for the background work). */
    CompletableFuture<Void> after(Runnable task) {
        return CompletableFuture.runAsync(task, sweeper);
    }

    void close() {
        sweeper.shutdownNow();
    }
}
