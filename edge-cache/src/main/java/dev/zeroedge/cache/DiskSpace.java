package dev.zeroedge.cache;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Room for fills: a fill reserves the length its origin announced before it writes a byte, against
 * {@code --cache-max-size} and against {@code --cache-min-free} of the file system. A fill that cannot reserve
 * is passed through to its client uncached (a full disk never fails a request); the index evicts what makes room
 * for the next one.
 *
 * <p>What the file system has free is its {@link FileStore#getUsableSpace} (statvfs), asked on a file-system
 * thread, never per request: after each commit, and when a reservation finds the figure older than a second
 * (that one is answered with the figure there is). The reservations of fills under way count against
 * it until they are committed or dropped; their bytes already written count twice meanwhile, which errs on the
 * side of room. A body of unknown length (chunked) reserves nothing but is refused when the file system is already
 * at its minimum.
 *
 * <p>One per cache directory ({@link CacheDirectory}). With several, {@code maxBytes} is this directory's even share
 * of {@code --cache-max-size} ({@link Placement} spreads objects evenly by hash), the index's bytes count a
 * {@code ways}-th here, and what it evicts to make room here is {@code ways} times the room (the index evicts by
 * value across every directory, a {@code ways}-th of it from this one, on average).
 */
final class DiskSpace {

    private static final Logger log = LoggerFactory.getLogger(DiskSpace.class);
    private static final long STALE_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final FileStore fileStore;
    // Guarded by this; a reload changes them (resize).
    private long maxBytes;
    private CacheConfig.MinFree minFree;
    private final Index index;
    private int ways;
    private final Executor offLoop;
    private final AtomicBoolean refreshing = new AtomicBoolean();

    // Guarded by this.
    private long reserved;
    private long usable;
    private long keepFree;
    private long refreshedAt;
    private long total;

    /** Blocking: reads the file system's figures once (startup). */
    DiskSpace(Path directory, long maxBytes, CacheConfig.MinFree minFree, Index index, int ways, Executor offLoop)
            throws IOException {
        this.fileStore = Files.getFileStore(directory);
        this.ways = ways;
        this.maxBytes = maxBytes;
        this.minFree = minFree;
        this.index = index;
        this.offLoop = offLoop;
        refresh();
        log.info("cache file system {}: {} bytes usable, {} kept free ({})", fileStore, usable(), keepFree(),
                minFree);
    }

    /** {@link #reserve(long, CacheKey)} for an object of the default origin. */
    boolean reserve(long bytes) {
        return reserve(bytes, null);
    }

    /**
     * Reserves {@code bytes} for a fill of {@code key}, or refuses: when the fills under way would pass the maximum
     * size with it (this directory's, or {@code key}'s share's: {@link Share#reserve}), or the file system would
     * have less than its minimum free. A refusal that evicting can mend evicts (for the next fill: the files go on
     * the file-system threads). Within the maximum, objects that the new one would push past it are evicted now, so
     * the bytes on disk stay within it while the fill runs: always objects of {@code key}'s own share, so a full
     * share evicts its own origin's objects and never another's. Only the file system's minimum free, which every
     * share's objects eat into, evicts from another share when its own holds too few.
     */
    boolean reserve(long bytes, CacheKey key) {
        Share share = index.shareOf(key);
        long shortOfFree;
        int evictFactor;
        synchronized (this) {
            refreshIfStale();
            if (reserved + bytes > maxBytes) {
                return false;
            }
            shortOfFree = keepFree - (usable - reserved - bytes);
            evictFactor = ways;
            if (shortOfFree <= 0) {
                reserved += bytes;
            }
        }
        if (shortOfFree > 0) {
            index.makeRoom(shortOfFree * evictFactor, share);
            return false;
        }
        if (!share.reserve(bytes)) {
            synchronized (this) {
                reserved -= bytes;
            }
            return false;
        }
        // After the share's own evictions (Caffeine's are done at once), what this directory still lacks.
        long overMax;
        synchronized (this) {
            overMax = (index.bytes() / ways + reserved - maxBytes) * ways;
        }
        if (overMax > 0) {
            share.makeRoom(overMax);
        }
        return true;
    }

    /**
     * A write of {@code bytes} of {@code key} found the disk full (a body of unknown length reserves nothing):
     * evicts objects of at least that many bytes and the minimum free space (of {@code key}'s share first), when the
     * index holds that many. True when it did, so the write may be tried again once their files are gone (on the
     * file-system threads).
     */
    boolean evictForWrite(long bytes, CacheKey key) {
        Share share = index.shareOf(key);
        long room;
        int factor;
        synchronized (this) {
            room = bytes + keepFree;
            factor = ways;
        }
        return index.makeRoom(room * factor, share) || index.makeRoom(bytes * factor, share)
                || index.makeRoom(bytes, share);
    }

    /** New bounds (a reload, or a directory taken out of service): fills from now on reserve against them. */
    synchronized void resize(long maxBytes, CacheConfig.MinFree minFree, int ways) {
        this.maxBytes = maxBytes;
        this.ways = ways;
        this.minFree = minFree;
        this.keepFree = minFree.of(total);
    }

    /** {@link #release(long, CacheKey)} for an object of the default origin. */
    void release(long bytes) {
        release(bytes, null);
    }

    /** A fill of {@code key} that reserved {@code bytes} is committed or dropped. */
    void release(long bytes, CacheKey key) {
        synchronized (this) {
            reserved -= bytes;
        }
        index.shareOf(key).release(bytes);
    }

    /** Reads the file system's figures: on a file-system thread (or at startup). */
    void refresh() {
        try {
            long nowUsable = fileStore.getUsableSpace();
            long total = fileStore.getTotalSpace();
            synchronized (this) {
                usable = nowUsable;
                this.total = total;
                keepFree = minFree.of(total);
                refreshedAt = System.nanoTime();
            }
        } catch (IOException e) {
            log.warn("cannot read the free space of {}: {}", fileStore, e.toString());
        }
    }

    private void refreshIfStale() {
        if (System.nanoTime() - refreshedAt > STALE_NANOS && refreshing.compareAndSet(false, true)) {
            offLoop.execute(() -> {
                try {
                    refresh();
                } finally {
                    refreshing.set(false);
                }
            });
        }
    }

    synchronized long usable() {
        return usable;
    }

    synchronized long keepFree() {
        return keepFree;
    }

    synchronized long reserved() {
        return reserved;
    }
}
