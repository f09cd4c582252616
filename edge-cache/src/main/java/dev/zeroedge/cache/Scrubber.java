package dev.zeroedge.cache;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Re-reads the objects of one cache directory (those {@link Placement} puts there) in the background and compares them with their checksums
 * ({@link ObjectCheck}): the server never sees the bytes it sends (sendfile, splice), so a bit the disk
 * flipped would otherwise reach every client of the object until it is evicted.
 *
 * <p>One platform thread per directory, never an event loop or a file-system thread (a check of a large
 * object would hold one for seconds). Each pass takes the index's objects hottest first, as Caffeine's
 * W-TinyLFU ranks them by frequency and recency: a corrupt hot object reaches the most clients, so it is
 * found first. A pass checks every object the index held when it began, then the thread sleeps until
 * {@code interval} has passed since its start, so every object is checked at least once per interval (one
 * stored during a pass, by the next); a pass longer than the interval is logged, as the rate is then too low for
 * the cache. Reads are paced at {@code bytesPerSecond} and wait while fills are in flight or the file-system
 * queue holds work ({@link EdgeCache#diskBusy}). An object found bad is checked once more, so that a body
 * replaced between the metadata's read and the body's open is not taken for a corrupt one, and then handed to
 * {@link EdgeCache#corrupt}, which fetches a hot one again at once.
 */
final class Scrubber implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Scrubber.class);
    /** Between passes at least this long, so that an empty cache with a tiny interval does not spin. */
    private static final long MIN_PAUSE_MILLIS = 10;

    private final EdgeCache cache;
    private final CacheDirectory directory;
    private final Duration interval;
    private final ObjectCheck check;
    private final Pace pace;
    private final Thread thread;
    private volatile boolean closed;
    /** Whether the last pass took longer than the interval (said once, not at every pass). */
    private boolean overran;

    Scrubber(EdgeCache cache, CacheDirectory directory, long bytesPerSecond, Duration interval) {
        this.cache = cache;
        this.directory = directory;
        this.interval = interval;
        this.pace = new Pace(bytesPerSecond, cache::diskBusy);
        this.check = new ObjectCheck(directory.store(), pace);
        this.thread = Thread.ofPlatform().daemon(true).name("zeroedge-scrub-" + directory.store().directory()
                .getFileName()).unstarted(this::run);
    }

    CacheDirectory directory() {
        return directory;
    }

    void start() {
        thread.start();
    }

    /** Body bytes read so far. */
    long scrubbed() {
        return pace.taken();
    }

    private void run() {
        try {
            awaitIndex();
            while (!closed) {
                long started = System.nanoTime();
                int objects = pass();
                long took = System.nanoTime() - started;
                boolean overran = took > interval.toNanos();
                if (overran && !this.overran) { // once until a pass fits again, not once a pass
                    log.warn("cache scrub: a pass over {} objects took {} ms, longer than the scrub interval {}:"
                            + " raise --scrub-rate", objects, TimeUnit.NANOSECONDS.toMillis(took), interval);
                }
                this.overran = overran;
                TimeUnit.NANOSECONDS.sleep(Math.max(TimeUnit.MILLISECONDS.toNanos(MIN_PAUSE_MILLIS),
                        interval.toNanos() - took));
            }
        } catch (InterruptedException closing) {
            // close(): the thread ends.
        } catch (RuntimeException e) {
            log.error("cache scrub stopped", e);
        }
    }

    /**
     * The first pass waits for the index to be complete after a start: a pass takes the objects the index holds when
     * it begins, so one begun during the recovery would leave the objects not found yet for the next pass, an
     * interval later.
     */
    private void awaitIndex() throws InterruptedException {
        try {
            cache.recovered().get();
        } catch (ExecutionException | CancellationException e) {
            // The recovery stopped (the cache closes) or failed: the passes take what the index holds.
        }
    }

    private int pass() throws InterruptedException {
        int objects = 0;
        for (Map.Entry<String, StoredObject> entry : cache.index().hottest().entrySet()) {
            if (closed) {
                break;
            }
            String hash = entry.getKey();
            StoredObject object = entry.getValue();
            if (cache.directory(hash) != directory) {
                continue; // another directory's
            }
            if (cache.index().get(hash) == null || cache.filling(hash)) {
                continue; // gone since the pass began, or being fetched again
            }
            objects++;
            Fault fault = check.check(hash, object);
            if (fault != null && (fault = check.check(hash, object)) != null && !closed) {
                cache.corrupt(directory, hash, object, fault, true);
            }
        }
        return objects;
    }

    /** Stops without waiting (its directory was taken out of service: a read of it may hang). */
    void stop() {
        closed = true;
        thread.interrupt();
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
