package dev.zeroedge.cache;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * Which cache directory holds an object: rendezvous hashing (highest random weight). Each directory in service
 * scores the object's hash mixed with the directory's own seed (from its path), and the highest score wins. A
 * directory taken away moves only the objects it held (each to the directory that scored second for it), and the
 * others stay where they are, which a hash modulo the count would not do. No table to keep: the placement is a
 * function of the key and the directories, so the index needs no field for it and a restart places as before.
 */
final class Placement {

    private Placement() {
    }

    /** The seed of a directory: 64 bits of SHA-256 of its path as configured, so the order of the list is no matter. */
    static long seed(String path) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(path.getBytes(StandardCharsets.UTF_8));
            long seed = 0;
            for (int i = 0; i < Long.BYTES; i++) {
                seed = seed << 8 | (digest[i] & 0xff);
            }
            return seed;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** The index of the winner among {@code seeds}, for the object {@code hash} (hex, at least 16 digits). */
    static int of(String hash, long[] seeds) {
        long key = Long.parseUnsignedLong(hash, 0, 16, 16);
        int best = -1;
        long bestScore = 0;
        for (int i = 0; i < seeds.length; i++) {
            long score = mix(key ^ seeds[i]);
            if (best < 0 || Long.compareUnsigned(score, bestScore) > 0) {
                best = i;
                bestScore = score;
            }
        }
        return best;
    }

    /** The directory of {@code among} that holds {@code hash}. */
    static CacheDirectory of(String hash, List<CacheDirectory> among) {
        long[] seeds = new long[among.size()];
        for (int i = 0; i < seeds.length; i++) {
            seeds[i] = among.get(i).seed();
        }
        return among.get(of(hash, seeds));
    }

    /** SplitMix64's finaliser: every bit of the input moves about half the output's. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
