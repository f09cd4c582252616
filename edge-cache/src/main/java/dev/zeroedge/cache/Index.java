package dev.zeroedge.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;

import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;

/**
 * The objects on disk, in memory: hash → {@link StoredObject}, bounded by the bytes of their bodies
 * (Caffeine's size-weighted W-TinyLFU, weighed in KiB since a weight is an int). An object evicted or
 * invalidated is removed from disk by {@code unlink}, an executor of file-system threads, never on an event
 * loop; a replaced one is not (its files were replaced by the commit of the new one). The body bytes it holds
 * are kept exactly beside Caffeine's KiB weights, for the metrics.
 */
final class Index {

    /** Removes object files off the event loops. */
    interface Unlink {
        void remove(String hash, long storedAtMillis);
    }

    private final Cache<String, StoredObject> objects;
    private final LongAdder bytes = new LongAdder();
    /** Told of each object the recovery found (the variants of a key are known again from them). */
    private volatile BiConsumer<String, StoredObject> recoveredHook = (hash, object) -> {
    };

    Index(long maxBytes, Executor maintenance, Unlink unlink, CacheCounters counters) {
        this.objects = Caffeine.newBuilder()
                .maximumWeight(Math.max(1, maxBytes / 1024))
                .weigher((String hash, StoredObject object) -> weight(object))
                .executor(maintenance)
                .removalListener((String hash, StoredObject object, RemovalCause cause) -> {
                    if (hash != null && object != null && cause != RemovalCause.REPLACED) {
                        bytes.add(-object.length());
                        if (cause == RemovalCause.SIZE) {
                            counters.evicted();
                        }
                        unlink.remove(hash, object.storedAtMillis());
                    }
                })
                .build();
    }

    /** KiB, rounded up; at least 1, so that empty bodies count too. */
    static int weight(StoredObject object) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, (object.length() + 1023) / 1024));
    }

    StoredObject get(String hash) {
        return objects.getIfPresent(hash);
    }

    void put(String hash, StoredObject object) {
        StoredObject replaced = objects.asMap().put(hash, object);
        bytes.add(object.length() - (replaced == null ? 0 : replaced.length()));
    }

    /**
     * An object the recovery found on disk, unless the index has that hash already: a fill of this run committed
     * it meanwhile, and that one is newer.
     */
    StoredObject recovered(String hash, StoredObject object) {
        StoredObject present = objects.asMap().putIfAbsent(hash, object);
        if (present == null) {
            bytes.add(object.length());
            recoveredHook.accept(hash, object);
            return object;
        }
        return present;
    }

    /** {@code hook} is told of every object {@link #recovered} adds from now on. */
    void whenRecovered(BiConsumer<String, StoredObject> hook) {
        recoveredHook = hook;
    }

    /** Body bytes of the objects held, exactly (for the metrics; {@link #bytes} is how Caffeine weighs them). */
    long bodyBytes() {
        return bytes.sum();
    }

    /** Forgets {@code hash} if it is still {@code object}, and removes its files. */
    void invalidate(String hash, StoredObject object) {
        objects.asMap().remove(hash, object);
    }

    /** {@code hash}'s object becomes {@code after} if it is still {@code before} (a soft purge: the same files). */
    boolean replace(String hash, StoredObject before, StoredObject after) {
        if (!objects.asMap().replace(hash, before, after)) {
            return false;
        }
        bytes.add(after.length() - before.length());
        return true;
    }

    /** Every object it holds now, in no order (a purge's sweep; objects added meanwhile may be left out). */
    void each(BiConsumer<String, StoredObject> action) {
        objects.asMap().forEach(action);
    }

    /** A copy of what it holds, hottest first as Caffeine's policy ranks them (frequency and recency). */
    Map<String, StoredObject> hottest() {
        return objects.policy().eviction().orElseThrow().hottest(Integer.MAX_VALUE);
    }

    long size() {
        return objects.estimatedSize();
    }

    /** The bytes of the bodies it holds, as it weighs them (KiB, rounded up). */
    long bytes() {
        return objects.policy().eviction().orElseThrow().weightedSize().orElse(0) * 1024;
    }

    /**
     * Evicts objects of at least {@code bytes} now (the least valuable first, as Caffeine's policy ranks them),
     * when it holds that many; their files are removed on the file-system threads. False when it holds fewer:
     * evicting would not make that room, and nothing is evicted.
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

    /** A new bound (a reload): a smaller one evicts down to it at once. */
    void resize(long maxBytes) {
        objects.policy().eviction().orElseThrow().setMaximum(Math.max(1, maxBytes / 1024));
    }

    /** The bound, in bytes as it weighs them. */
    long maxBytes() {
        return objects.policy().eviction().orElseThrow().getMaximum() * 1024;
    }

    /** Runs pending evictions now (tests; a bound is otherwise kept eventually). */
    void cleanUp() {
        objects.cleanUp();
    }
}
