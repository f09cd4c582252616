package dev.zeroedge.cache;

import java.util.ArrayList;
import java.util.List;

/**
 * Rendezvous (highest random weight) hashing: the parents of a tier ranked for one key by a score each gets
 * from a hash of (key, parent); the key's home is the top one, and when that one is down the next. Chosen over a
 * ring (ketama) because it needs no ring: nothing to build, no virtual nodes to tune for an even spread, no
 * state but the list of parents; removing a parent moves only the keys whose top it was (each to its own
 * second choice, so they spread evenly over the others), and bringing it back moves exactly those back; weights,
 * if ever wanted, are one formula on the score ({@code -w / ln(score)}), not more points on a ring. The cost,
 * one hash per parent per key, is nothing for a tier of a few parents.
 */
public final class Rendezvous {

    private Rendezvous() {
    }

    /**
     * The indexes of {@code parents} in the order a key of {@code keyHash} tries them (its home first). Each
     * parent's identity is its name ({@code http://host:port} as configured), so every child that lists the
     * same parents ranks them alike, whatever the order of its list.
     */
    public static int[] ranked(long keyHash, List<String> parents) {
        List<long[]> scored = new ArrayList<>(parents.size());
        for (int i = 0; i < parents.size(); i++) {
            scored.add(new long[] {score(keyHash, seed(parents.get(i))), i});
        }
        // Highest score first; unsigned, as the bits of a hash are.
        scored.sort((a, b) -> a[0] != b[0] ? Long.compareUnsigned(b[0], a[0]) : Long.compare(a[1], b[1]));
        int[] order = new int[scored.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = (int) scored.get(i)[1];
        }
        return order;
    }

    /** The index of the key's home among {@code parents}. */
    public static int home(long keyHash, List<String> parents) {
        return ranked(keyHash, parents)[0];
    }

    /** A key's 64 bits: the first 16 hex digits of its {@link CacheKey#hash} (already a SHA-256). */
    public static long keyHash(String hexHash) {
        return Long.parseUnsignedLong(hexHash.substring(0, 16), 16);
    }

    /** A parent's 64 bits: FNV-1a of its name, then mixed. */
    static long seed(String name) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < name.length(); i++) {
            h ^= name.charAt(i);
            h *= 0x100000001b3L;
        }
        return mix(h);
    }

    /** The score of (key, parent): SplitMix64's finaliser of both, so that nearby seeds score independently. */
    static long score(long keyHash, long seed) {
        return mix(keyHash ^ mix(seed + 0x9e3779b97f4a7c15L));
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
