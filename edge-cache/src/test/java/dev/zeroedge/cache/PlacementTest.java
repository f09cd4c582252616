package dev.zeroedge.cache;

import org.junit.jupiter.api.Test;

import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Rendezvous placement: even, and a directory taken away moves only its own objects. */
class PlacementTest {

    @Test
    void objectsAreSpreadEvenlyAndOnlyTheRemovedDirectorysObjectsMove() {
        long[] three = {Placement.seed("/cache/a"), Placement.seed("/cache/b"), Placement.seed("/cache/c")};
        long[] withoutB = {three[0], three[2]};
        int[] counts = new int[3];
        int moved = 0;
        int objects = 30_000;
        for (int i = 0; i < objects; i++) {
            byte[] bits = new byte[16];
            ThreadLocalRandom.current().nextBytes(bits);
            String hash = HexFormat.of().formatHex(bits);
            int before = Placement.of(hash, three);
            counts[before]++;
            int after = Placement.of(hash, withoutB);
            int afterInThree = after == 0 ? 0 : 2;
            if (before != 1) {
                assertEquals(before, afterInThree, "an object of a directory still there stays where it is");
            } else {
                assertNotEquals(1, afterInThree);
                moved++;
            }
        }
        for (int count : counts) {
            // 10,000 expected each; 9,400..10,600 is over 8 standard deviations (sqrt(30,000 * 1/3 * 2/3) = 82).
            assertTrue(count > 9_400 && count < 10_600, java.util.Arrays.toString(counts));
        }
        assertEquals(counts[1], moved);
    }

    @Test
    void theOrderOfTheDirectoriesDoesNotMatter() {
        long a = Placement.seed("/cache/a");
        long b = Placement.seed("/cache/b");
        String hash = "0123456789abcdef0123456789abcdef";
        int ab = Placement.of(hash, new long[] {a, b});
        int ba = Placement.of(hash, new long[] {b, a});
        assertEquals(ab, 1 - ba);
    }
}
