package dev.zeroedge.cache;

import java.util.List;

/**
 * Which cache directory holds an object: {@link Rendezvous} hashing over the directories in service, as a tier
 * picks a key's parent. Each directory scores the object's hash mixed with the directory's own seed (from its path
 * as configured, so the order of the list is no matter), and the highest score wins. A directory taken away moves
 * only the objects it held (each to the directory that scored second for it), and the others stay where they are,
 * which a hash modulo the count would not do. No table to keep: the placement is a function of the key and the
 * directories, so the index needs no field for it and a restart places as before. The seeds are computed once
 * ({@link CacheDirectory#seed}), since every hit asks.
 */
final class Placement {

    private Placement() {
    }

    /** The seed of a directory. */
    static long seed(String path) {
        return Rendezvous.seed(path);
    }

    /** The index of the winner among {@code seeds}, for the object {@code hash} (hex, at least 16 digits). */
    static int of(String hash, long[] seeds) {
        long key = Long.parseUnsignedLong(hash, 0, 16, 16);
        int best = -1;
        long bestScore = 0;
        for (int i = 0; i < seeds.length; i++) {
            long score = Rendezvous.score(key, seeds[i]);
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
}
