package dev.zeroedge.cache;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tier's figure, from the rendezvous function itself: 10,000 keys (hashed as the cache hashes its keys) over
 * three parents, the share of each, and what moves when one goes: exactly the keys whose home it was, each to
 * one of the other two, and nothing else; when it comes back the same keys return. The function is pure, so the
 * figures are the same on every run.
 */
class RendezvousTest {

    private static final int KEYS = 10_000;
    private static final List<String> PARENTS = List.of("http://10.0.0.1:8080", "http://10.0.0.2:8080",
            "http://10.0.0.3:8080");

    private static long key(int i) {
        return Rendezvous.keyHash(CacheKey.of("edge.test", "/v/seg-" + i + ".m4s", null).hash());
    }

    @Test
    void threeParentsShareTheKeysAndLosingOneMovesOnlyItsThird() {
        int[] share = new int[3];
        int moved = 0;
        int movedElsewhere = 0;
        List<String> withoutSecond = List.of(PARENTS.get(0), PARENTS.get(2));
        for (int i = 0; i < KEYS; i++) {
            int home = Rendezvous.home(key(i), PARENTS);
            share[home]++;
            String after = withoutSecond.get(Rendezvous.home(key(i), withoutSecond));
            if (!after.equals(PARENTS.get(home))) {
                moved++;
                if (home != 1) {
                    movedElsewhere++;
                }
            }
            // What the tier does when the home is down: the key's next choice, which is its home without it.
            int[] ranked = Rendezvous.ranked(key(i), PARENTS);
            String next = PARENTS.get(ranked[0] == 1 ? ranked[1] : ranked[0]);
            assertEquals(after, next, "key " + i);
        }
        System.out.printf("rendezvous: %d keys over 3 parents: %.4f %.4f %.4f (ideal 0.3333 each);"
                        + " parent 2 gone: %.4f of the keys moved (ideal 0.3333), all of them its own%n",
                KEYS, share[0] / (double) KEYS, share[1] / (double) KEYS, share[2] / (double) KEYS,
                moved / (double) KEYS);
        assertEquals(0, movedElsewhere, "only the lost parent's keys move");
        assertEquals(share[1], moved, "every key of the lost parent moves");
        for (int s : share) {
            // Binomial(10,000, 1/3) has a standard deviation of 47: 3 % (300 keys) is over six of them.
            assertTrue(Math.abs(s - KEYS / 3) < 300, "an even share: " + s);
        }
    }

    @Test
    void theOrderOfTheListDoesNotChangeAHome() {
        List<String> reversed = PARENTS.reversed();
        for (int i = 0; i < 1000; i++) {
            assertEquals(PARENTS.get(Rendezvous.home(key(i), PARENTS)),
                    reversed.get(Rendezvous.home(key(i), reversed)), "key " + i);
        }
    }

    @Test
    void aRankingIsEveryParentOnce() {
        int[] ranked = Rendezvous.ranked(key(7), PARENTS);
        int[] sorted = ranked.clone();
        java.util.Arrays.sort(sorted);
        assertArrayEquals(new int[] {0, 1, 2}, sorted);
        assertEquals(0, Rendezvous.ranked(key(7), List.of("http://one:80"))[0]);
    }
}
