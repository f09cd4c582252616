package dev.zeroedge.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;

import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.LongAdder;

/**
 * One part of {@code --cache-max-size} with its own eviction order: the objects of an origin given a
 * {@code max-size} in the config's {@code origins:} section, or of every other origin (the rest of the size).
 * Each is a Caffeine size-weighted W-TinyLFU of its own (weighed in KiB, since a weight is an int), so a busy
 * origin's objects only ever push out each other: one Caffeine per share rather than one for the whole cache with
 * per-origin bookkeeping on top, because Caffeine's admission and eviction decide among the objects of one bound,
 * and a bound per origin is what nginx operators get with a {@code proxy_cache_path} zone per site.
 *
 * <p>It also holds the reservations of the fills under way for its objects ({@link DiskSpace} reserves against
 * the directory and here), so that two fills of a full share cannot both take its last room.
 */
final class Share {

    /** Told of each object that left, unless it was replaced by a newer commit of the same hash. */
    interface Removed {
        void removed(String hash, StoredObject object, RemovalCause cause);
    }

    private final String name;
    private final Cache<String, StoredObject> objects;
    private final LongAdder bytes = new LongAdder();
    // Guarded by this.
    private long reserved;
    /** The bound in bytes as given (Caffeine's is in KiB, rounded down): what reservations are held to. */
    private long bound;

    Share(String name, long maxBytes, Executor maintenance, Removed removed) {
        this.name = name;
        this.bound = maxBytes;
        this.objects = Caffeine.newBuilder()
                .maximumWeight(kib(maxBytes))
                .weigher((String hash, StoredObject object) -> weight(object))
                .executor(maintenance)
                .removalListener((String hash, StoredObject object, RemovalCause cause) -> {
                    if (hash != null && object != null && cause != RemovalCause.REPLACED) {
                        bytes.add(-object.length());
                        removed.removed(hash, object, cause);
                    }
                })
                .build();
    }

    private static long kib(long bytes) {
        return Math.max(1, bytes / 1024);
    }

    /** KiB, rounded up; at least 1, so that empty bodies count too. */
    static int weight(StoredObject object) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, (object.length() + 1023) / 1024));
    }

    /** The origin's URL, or {@code rest} for the share of the origins without one. */
    String name() {
        return name;
    }

    StoredObject get(String hash) {
        return objects.getIfPresent(hash);
    }

    /** What it held for {@code hash} before (null: nothing). */
    StoredObject put(String hash, StoredObject object) {
        StoredObject replaced = objects.asMap().put(hash, object);
        bytes.add(object.length() - (replaced == null ? 0 : replaced.length()));
        return replaced;
    }

    /** Adds {@code object} unless it holds {@code hash}; what it holds then. */
    StoredObject putIfAbsent(String hash, StoredObject object) {
        StoredObject present = objects.asMap().putIfAbsent(hash, object);
        if (present == null) {
            bytes.add(object.length());
        }
        return present;
    }

    boolean remove(String hash, StoredObject object) {
        return objects.asMap().remove(hash, object);
    }

    boolean replace(String hash, StoredObject before, StoredObject after) {
        if (!objects.asMap().replace(hash, before, after)) {
            return false;
        }
        bytes.add(after.length() - before.length());
        return true;
    }

    Map<String, StoredObject> asMap() {
        return objects.asMap();
    }

    Map<String, StoredObject> hottest() {
        return objects.policy().eviction().orElseThrow().hottest(Integer.MAX_VALUE);
    }

    long size() {
        return objects.estimatedSize();
    }

    /** Body bytes of its objects, exactly. */
    long bodyBytes() {
        return bytes.sum();
    }

    /** The bytes of the bodies it holds, as it weighs them (KiB, rounded up). */
    long bytes() {
        return objects.policy().eviction().orElseThrow().weightedSize().orElse(0) * 1024;
    }

    long maxBytes() {
        return objects.policy().eviction().orElseThrow().getMaximum() * 1024;
    }

    void resize(long maxBytes) {
        synchronized (this) {
            bound = maxBytes;
        }
        objects.policy().eviction().orElseThrow().setMaximum(kib(maxBytes));
    }

    /**
     * Evicts objects of at least {@code bytes} now (the least valuable first, as Caffeine's policy ranks them),
     * when it holds that many. False when it holds fewer: evicting would not make that room, and nothing is evicted.
     */
    synchronized boolean makeRoom(long bytes) {
        var eviction = objects.policy().eviction().orElseThrow();
        long kib = (bytes + 1023) / 1024;
        long weighted = eviction.weightedSize().orElse(0);
        if (kib <= 0 || weighted < kib) {
            return false;
        }
        // Caffeine evicts down to a lowered maximum at once; the bound then goes back to what it was.
        long max = eviction.getMaximum();
        eviction.setMaximum(weighted - kib);
        eviction.setMaximum(max);
        return true;
    }

    /**
     * Reserves {@code bytes} for a fill of one of its objects, or refuses when the fills under way would pass its
     * bound with it. Within the bound, its objects that the new one would push past it are evicted now, so the
     * share's bytes on disk stay within it while the fill runs; no other share's are touched.
     */
    boolean reserve(long bytes) {
        long over;
        synchronized (this) {
            long max = bound;
            if (reserved + bytes > max) {
                return false;
            }
            reserved += bytes;
            over = bytes() + reserved - max;
        }
        if (over > 0) {
            makeRoom(over);
        }
        return true;
    }

    synchronized void release(long bytes) {
        reserved -= bytes;
    }

    synchronized long reserved() {
        return reserved;
    }

    void cleanUp() {
        objects.cleanUp();
    }
}
