package dev.zeroedge.cache;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The keys whose responses vary (RFC 9111 §4.1), in memory: for each key's hash, the request fields its stored
 * responses' {@code Vary} names, and the hashes of its variants (each one object of the index, stored under
 * {@link CacheKey#hash(String)} of its {@link SecondaryKey}), least recently used first, at most
 * {@code --cache-max-variants} of them. Rebuilt after a restart from the metadata files, which keep each object's
 * {@code Vary} among its fields and its secondary key.
 *
 * <p>A key is looked up here before the index: a key known to vary is answered by the variant its request names,
 * never by another.
 */
final class Variants {

    /** One varying key: what it varies on, and its variants' hashes in the order of their last use. */
    private static final class Known {
        final List<String> fields;
        final LinkedHashSet<String> hashes = new LinkedHashSet<>();

        Known(List<String> fields) {
            this.fields = fields;
        }
    }

    private final int max;
    private final ConcurrentMap<String, Known> keys = new ConcurrentHashMap<>();
    /** Variant hash → its key's hash, so that the index letting a variant go finds its key. */
    private final ConcurrentMap<String, String> keyOf = new ConcurrentHashMap<>();

    Variants(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("at least one variant per key: " + max);
        }
        this.max = max;
    }

    /** The fields key {@code hash} varies on, or null when it is not known to vary. */
    List<String> fields(String hash) {
        Known known = keys.get(hash);
        return known == null ? null : known.fields;
    }

    /**
     * Key {@code hash} varies on {@code fields} (a response just said so): from now on its requests are looked up
     * by variant. Variants of other fields are let go of, and returned (the caller removes them from the index).
     */
    List<String> varies(String hash, List<String> fields) {
        Known known = keys.get(hash);
        if (known != null && known.fields.equals(fields)) {
            return List.of(); // the usual case, without a write to the map
        }
        List<String> dropped = new ArrayList<>();
        // Atomic: two fills learning the same fields at once must not drop each other's variant.
        keys.compute(hash, (h, before) -> {
            if (before != null && before.fields.equals(fields)) {
                return before;
            }
            if (before != null) {
                dropped.addAll(dropAll(before));
            }
            return new Known(fields);
        });
        return dropped;
    }

    /**
     * Variant {@code variant} of key {@code hash} is stored: it is the most recently used, and the least recently
     * used ones past the maximum are returned, to be removed from the index.
     */
    List<String> stored(String hash, List<String> fields, String variant) {
        varies(hash, fields);
        keyOf.put(variant, hash);
        List<String> dropped = new ArrayList<>();
        Known known = keys.computeIfAbsent(hash, h -> new Known(fields));
        synchronized (known) {
            known.hashes.remove(variant);
            known.hashes.add(variant);
            Iterator<String> oldest = known.hashes.iterator();
            while (known.hashes.size() > max) {
                String gone = oldest.next();
                oldest.remove();
                keyOf.remove(gone, hash);
                dropped.add(gone);
            }
        }
        return dropped;
    }

    /** Variant {@code variant} of key {@code hash} answered a request: the last to be dropped now. */
    void used(String hash, String variant) {
        Known known = keys.get(hash);
        if (known != null) {
            synchronized (known) {
                if (known.hashes.remove(variant)) {
                    known.hashes.add(variant);
                }
            }
        }
    }

    /** Key {@code hash} no longer varies (a response without Vary): its variants are returned, to be removed. */
    List<String> forget(String hash) {
        Known known = keys.remove(hash);
        return known == null ? List.of() : dropAll(known);
    }

    /** The hashes of key {@code hash}'s variants now (a purge removes them all). */
    List<String> of(String hash) {
        Known known = keys.get(hash);
        if (known == null) {
            return List.of();
        }
        synchronized (known) {
            return List.copyOf(known.hashes);
        }
    }

    /** The index let go of object {@code hash}: when it was a variant, its key forgets it. */
    void removed(String hash) {
        String key = keyOf.remove(hash);
        Known known = key == null ? null : keys.get(key);
        if (known != null) {
            synchronized (known) {
                known.hashes.remove(hash);
            }
        }
    }

    private List<String> dropAll(Known known) {
        synchronized (known) {
            List<String> all = List.copyOf(known.hashes);
            known.hashes.clear();
            for (String variant : all) {
                keyOf.remove(variant);
            }
            return all;
        }
    }
}
