package dev.zeroedge.cache;

import com.github.benmanes.caffeine.cache.RemovalCause;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;

/**
 * The objects on disk, in memory: hash → {@link StoredObject}, bounded by the bytes of their bodies, in
 * {@link Share}s: one for each origin the config's {@code origins:} section gives a {@code max-size}, and one for
 * every other origin, bounded by what those leave of {@code --cache-max-size} (without shares: one, the whole).
 * An object's share is its origin's, found from the Host in its key, so a fill, a commit and the recovery after a
 * restart all put it in the same one. A lookup by hash asks each share in turn (a hash is in at most one): a
 * handful of map lookups, and one without shares. An object evicted or invalidated is removed from disk by
 * {@code unlink}, an executor of file-system threads, never on an event loop; a replaced one is not (its files
 * were replaced by the commit of the new one). The body bytes each origin's objects hold are kept exactly, for the
 * metrics.
 */
final class Index {

    /** Removes object files off the event loops. */
    interface Unlink {
        void remove(String hash, long storedAtMillis);
    }

    /** What one origin's objects take now. */
    private static final class Held {
        final String origin;
        final long maxSize;
        final LongAdder objects = new LongAdder();
        final LongAdder bytes = new LongAdder();

        Held(String origin, long maxSize) {
            this.origin = origin;
            this.maxSize = maxSize;
        }

        void add(long objectCount, long byteCount) {
            objects.add(objectCount);
            bytes.add(byteCount);
        }
    }

    /** Where an origin's objects go and where they are counted. */
    private record Part(Share share, Held held) {
    }

    private final Origins origins;
    private final Map<OriginRoute, Part> parts;
    private final Part restPart;
    private final Share rest;
    private final List<Share> shares;
    private final List<Held> held;
    /** The sum of the origins' own shares; the rest is {@code --cache-max-size} less this. */
    private final long sharedOut;
    /** Told of each object the recovery found (the variants of a key are known again from them). */
    private volatile BiConsumer<String, StoredObject> recoveredHook = (hash, object) -> {
    };

    /** One bound for every object (no origins named). */
    Index(long maxBytes, Executor maintenance, Unlink unlink, CacheCounters counters) {
        this(maxBytes, null, maintenance, unlink, counters);
    }

    /**
     * {@code origins}: whose {@code max-size} gives an origin a share of its own (null: none); their sum must not
     * pass {@code maxBytes} (the config's check refuses it).
     */
    Index(long maxBytes, Origins origins, Executor maintenance, Unlink unlink, CacheCounters counters) {
        this.origins = origins;
        Share.Removed removed = (hash, object, cause) -> {
            Held of = partOf(object).held();
            if (of != null) {
                of.add(-1, -object.length());
            }
            if (cause == RemovalCause.SIZE) {
                counters.evicted();
            }
            unlink.remove(hash, object.storedAtMillis());
        };
        List<OriginRoute> routes = new ArrayList<>();
        if (origins != null) {
            routes.add(origins.fallback());
            routes.addAll(origins.byHost().values());
        }
        // Routes naming the same URL are one origin: one count and one share (the config's check makes their
        // max-size agree).
        Map<String, Held> heldByUrl = new LinkedHashMap<>();
        Map<String, Share> shareByUrl = new LinkedHashMap<>();
        long out = 0;
        for (OriginRoute route : routes) {
            heldByUrl.computeIfAbsent(route.url(), url -> new Held(url, route.maxSize()));
            if (route.hasShare() && !shareByUrl.containsKey(route.url())) {
                shareByUrl.put(route.url(), new Share(route.url(), route.maxSize(), maintenance, removed));
                out += route.maxSize();
            }
        }
        this.sharedOut = out;
        this.rest = new Share("rest", Math.max(1024, maxBytes - out), maintenance, removed);
        this.restPart = new Part(rest, null);
        Map<OriginRoute, Part> byRoute = new HashMap<>();
        for (OriginRoute route : routes) {
            byRoute.put(route, new Part(shareByUrl.getOrDefault(route.url(), rest), heldByUrl.get(route.url())));
        }
        this.parts = Map.copyOf(byRoute);
        List<Share> all = new ArrayList<>(shareByUrl.values());
        all.add(rest);
        this.shares = List.copyOf(all);
        this.held = List.copyOf(heldByUrl.values());
    }

    private Part partOfHost(String host) {
        if (origins == null) {
            return restPart;
        }
        return parts.getOrDefault(origins.route(host), restPart);
    }

    /** The Host is the key text up to its first space ({@link CacheKey#text}). */
    private Part partOf(StoredObject object) {
        if (origins == null) {
            return restPart;
        }
        int space = object.key().indexOf(' ');
        return partOfHost(space < 0 ? "" : object.key().substring(0, space));
    }

    /** The share the objects of {@code key} are held in. */
    Share shareOf(CacheKey key) {
        return partOfHost(key == null ? null : key.host()).share();
    }

    /** The object stored as {@code hash} for {@code key}: asked of the key's own share only (a request's lookup). */
    StoredObject get(CacheKey key, String hash) {
        return shareOf(key).get(hash);
    }

    /** The object stored as {@code hash}, whoever's it is: every share asked in turn (when no key is at hand). */
    StoredObject get(String hash) {
        for (Share share : shares) {
            StoredObject object = share.get(hash);
            if (object != null) {
                return object;
            }
        }
        return null;
    }

    void put(String hash, StoredObject object) {
        Part part = partOf(object);
        StoredObject replaced = part.share().put(hash, object);
        if (part.held() != null) {
            part.held().add(replaced == null ? 1 : 0, object.length() - (replaced == null ? 0 : replaced.length()));
        }
    }

    /**
     * An object the recovery found on disk, unless the index has that hash already: a fill of this run committed
     * it meanwhile, and that one is newer. It goes back into its origin's share.
     */
    StoredObject recovered(String hash, StoredObject object) {
        Part part = partOf(object);
        StoredObject present = part.share().putIfAbsent(hash, object);
        if (present == null) {
            if (part.held() != null) {
                part.held().add(1, object.length());
            }
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
        long sum = 0;
        for (Share share : shares) {
            sum += share.bodyBytes();
        }
        return sum;
    }

    /** What each origin's objects take now, in the order of the config (the default origin first). */
    List<OriginStored> byOrigin() {
        List<OriginStored> all = new ArrayList<>(held.size());
        for (Held of : held) {
            all.add(new OriginStored(of.origin, of.objects.sum(), of.bytes.sum(), of.maxSize));
        }
        return all;
    }

    /** Forgets {@code hash} if it is still {@code object}, and removes its files. */
    void invalidate(String hash, StoredObject object) {
        partOf(object).share().remove(hash, object);
    }

    /** {@code hash}'s object becomes {@code after} if it is still {@code before} (a soft purge: the same files). */
    boolean replace(String hash, StoredObject before, StoredObject after) {
        Part part = partOf(before);
        if (!part.share().replace(hash, before, after)) {
            return false;
        }
        if (part.held() != null) {
            part.held().add(0, after.length() - before.length());
        }
        return true;
    }

    /** Every object it holds now, in no order (a purge's sweep; objects added meanwhile may be left out). */
    void each(BiConsumer<String, StoredObject> action) {
        for (Share share : shares) {
            share.asMap().forEach(action);
        }
    }

    /** A copy of what it holds, each share's hottest first as Caffeine's policy ranks them (frequency and recency). */
    Map<String, StoredObject> hottest() {
        Map<String, StoredObject> all = new LinkedHashMap<>();
        for (Share share : shares) {
            all.putAll(share.hottest());
        }
        return all;
    }

    long size() {
        long sum = 0;
        for (Share share : shares) {
            sum += share.size();
        }
        return sum;
    }

    /** The bytes of the bodies it holds, as it weighs them (KiB, rounded up). */
    long bytes() {
        long sum = 0;
        for (Share share : shares) {
            sum += share.bytes();
        }
        return sum;
    }

    /**
     * Evicts objects of at least {@code bytes} now, from {@code first} when it holds that many, else from the first
     * other share that does (the disk's free space is every share's). False when none does: nothing is evicted.
     */
    boolean makeRoom(long bytes, Share first) {
        if (first.makeRoom(bytes)) {
            return true;
        }
        for (Share share : shares) {
            if (share != first && share.makeRoom(bytes)) {
                return true;
            }
        }
        return false;
    }

    /**
     * A new bound (a reload): the origins keep their shares and the rest gets what they leave of it; a smaller one
     * evicts down to it at once.
     */
    void resize(long maxBytes) {
        rest.resize(Math.max(1024, maxBytes - sharedOut));
    }

    /** The bound, in bytes as it weighs them: every share's. */
    long maxBytes() {
        long sum = 0;
        for (Share share : shares) {
            sum += share.maxBytes();
        }
        return sum;
    }

    /** Runs pending evictions now (tests; a bound is otherwise kept eventually). */
    void cleanUp() {
        for (Share share : shares) {
            share.cleanUp();
        }
    }
}
