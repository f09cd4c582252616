package dev.zeroedge.cache;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The cache's directories ({@code --cache-dir A,B,C}): one index over all of them, each object in the one
 * {@link Placement} picks among those in service. A directory that fails ({@link DirectoryHealth}: errors past
 * the threshold, or the directory unmounted or unreadable, looked at every {@link #LOOK_MILLIS}) is taken out of
 * service: its objects are forgotten by the index (their next requests are misses, fetched from the origin and
 * stored in the directory that scores second for them), and nothing touches it any more. It comes back only at a
 * restart: while it was out, its objects may have been purged or replaced elsewhere, and a directory back at
 * run time would answer with them. The last directory in service is never taken out (with none, every response
 * would be passed through; a failing last one fails its own requests, as a single directory does).
 */
final class CacheDirectories implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CacheDirectories.class);
    static final long LOOK_MILLIS = 1000;

    /** What the directories in service are, with their seeds: one snapshot, replaced when one is taken out. */
    private record InService(List<CacheDirectory> list, long[] seeds) {
        static InService of(List<CacheDirectory> list) {
            long[] seeds = new long[list.size()];
            for (int i = 0; i < seeds.length; i++) {
                seeds[i] = list.get(i).seed();
            }
            return new InService(List.copyOf(list), seeds);
        }
    }

    private final List<CacheDirectory> all = new ArrayList<>();
    private volatile InService inService = InService.of(List.of());
    /** Told of a directory taken out: the cache forgets its objects. */
    private TakenOut takenOut = (d, before, at) -> {
    };

    /** What the cache does when a directory is taken out. */
    interface TakenOut {
        /**
         * {@code out} left service at {@code atMillis}; {@code before} are the directories in service until then
         * (where the objects it held were placed).
         */
        void taken(CacheDirectory out, List<CacheDirectory> before, long atMillis);
    }
    private final ScheduledExecutorService looker = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon(true).name("zeroedge-cache-dirs").factory());
    private long lastCheckpoint;

    /** Adds a directory opened at startup. */
    synchronized void add(CacheDirectory directory) {
        all.add(directory);
        List<CacheDirectory> now = new ArrayList<>(inService.list());
        now.add(directory);
        inService = InService.of(now);
    }

    /** Who is told when a directory is taken out (once, at startup). */
    void onTakenOut(TakenOut listener) {
        this.takenOut = listener;
    }

    /** Looks at each directory in service every {@link #LOOK_MILLIS}, and writes their checkpoints. */
    void start() {
        looker.scheduleWithFixedDelay(this::look, LOOK_MILLIS, LOOK_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** The directory that holds (or will hold) object {@code hash}. */
    CacheDirectory of(String hash) {
        InService now = inService;
        return now.list().get(Placement.of(hash, now.seeds()));
    }

    /** Every directory configured, in service or not. */
    List<CacheDirectory> all() {
        return List.copyOf(all);
    }

    /** The directories in service now. */
    List<CacheDirectory> inService() {
        return inService.list();
    }

    /**
     * Takes {@code directory} out of service, saying {@code why}: new fills go to the others at once, and the
     * index forgets its objects. Once; never the last one in service.
     */
    void takeOut(CacheDirectory directory, String why) {
        List<CacheDirectory> before;
        long at = System.currentTimeMillis();
        synchronized (this) {
            before = inService.list();
            if (!directory.inService()) {
                return;
            }
            if (before.size() == 1) {
                log.error("cache directory {} is failing ({}), but it is the last one in service: kept", directory,
                        why);
                return;
            }
            List<CacheDirectory> after = new ArrayList<>(before);
            after.remove(directory);
            directory.takenOut();
            inService = InService.of(after);
        }
        log.error("cache directory {} taken out of service: {}; its objects are fetched from the origin again and"
                + " stored in the {} other(s); it comes back at the next restart", directory, why, before.size() - 1);
        takenOut.taken(directory, before, at);
    }

    private void look() {
        long now = System.currentTimeMillis();
        boolean checkpoint = now - lastCheckpoint >= Checkpoint.PERIOD_MILLIS;
        for (CacheDirectory directory : inService()) {
            String problem = directory.health().problem();
            if (problem != null) {
                takeOut(directory, problem);
            } else if (checkpoint) {
                try {
                    directory.checkpoint().running(now);
                } catch (IOException e) {
                    directory.error(e);
                }
            }
        }
        if (checkpoint) {
            lastCheckpoint = now;
        }
    }

    /** Stops looking, and marks each directory in service closed cleanly: its objects are trusted at the next start. */
    @Override
    public void close() {
        looker.shutdownNow();
        try {
            looker.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (CacheDirectory directory : inService()) {
            try {
                directory.checkpoint().clean(System.currentTimeMillis());
            } catch (IOException e) {
                log.warn("cannot mark {} closed cleanly: {}", directory, e.toString());
            }
        }
    }
}
