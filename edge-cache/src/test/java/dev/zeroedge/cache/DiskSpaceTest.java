package dev.zeroedge.cache;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reservations against the maximum size and the minimum free space, on the real file system of a temporary
 * directory, and {@code --cache-min-free}'s percentages.
 */
class DiskSpaceTest {

    @TempDir
    Path dir;

    private static StoredObject object(long length) {
        return new StoredObject("k", 200, "application/octet-stream", null, null, -1, List.of(), length, 0, 0, 60,
                false, null);
    }

    /** An index whose evictions are counted, not unlinked (there are no files). */
    private static Index index(long max, List<String> evicted) {
        return new Index(max, Runnable::run, (hash, at) -> evicted.add(hash), new CacheCounters());
    }

    @Test
    void aReservationCountsAgainstTheMaximumUntilItIsReleased() throws IOException {
        DiskSpace space = new DiskSpace(dir, 1_000_000, CacheConfig.MinFree.bytes(0), index(1_000_000, List.of()),
                1, Runnable::run);
        assertTrue(space.reserve(600_000));
        assertFalse(space.reserve(600_000), "two fills under way would pass the maximum");
        assertTrue(space.reserve(400_000));
        assertEquals(1_000_000, space.reserved());
        space.release(600_000);
        assertTrue(space.reserve(500_000));
        assertFalse(space.reserve(2_000_000), "larger than the whole cache");
    }

    @Test
    void theMinimumFreeRefusesWhatWouldEatIntoItAndEvictsWhatMakesRoom() throws IOException {
        List<String> evicted = new java.util.ArrayList<>();
        Index index = index(Long.MAX_VALUE / 2, evicted);
        index.put("a", object(4 * 1024 * 1024));
        index.put("b", object(4 * 1024 * 1024));
        DiskSpace all = new DiskSpace(dir, Long.MAX_VALUE / 2, CacheConfig.MinFree.percent(100), index, 1, Runnable::run);
        assertFalse(all.reserve(1), "nothing can be written when all of it is to stay free");
        assertEquals(0, all.reserved());

        DiskSpace room = new DiskSpace(dir, Long.MAX_VALUE / 2, CacheConfig.MinFree.bytes(0), index, 1, Runnable::run);
        long usable = room.usable();
        assertTrue(room.reserve(Math.min(usable, 1024 * 1024)));
        // Past what is free by less than the index holds: refused, and the index evicts to make that room.
        assertFalse(room.reserve(usable + 1024 * 1024));
        index.cleanUp();
        assertEquals(1, evicted.size(), "one 4 MiB object evicted for the 2 MiB missing");
        // Past it by more than the index holds: refused, nothing evicted for nothing.
        assertFalse(room.reserve(usable + 64L * 1024 * 1024));
        index.cleanUp();
        assertEquals(1, evicted.size());
    }

    @Test
    void withinTheMaximumObjectsTheNewOneWouldPushPastItAreEvictedWhenItStarts() throws IOException {
        List<String> evicted = new java.util.ArrayList<>();
        Index index = index(3 * 1024 * 1024, evicted);
        index.put("a", object(1024 * 1024));
        index.put("b", object(1024 * 1024));
        DiskSpace space = new DiskSpace(dir, 3 * 1024 * 1024, CacheConfig.MinFree.bytes(0), index, 1, Runnable::run);
        assertTrue(space.reserve(1024 * 1024), "it fits beside them");
        assertTrue(space.reserve(1024 * 1024), "it fits in the place of one of them");
        index.cleanUp();
        assertEquals(1, evicted.size());
    }

    @Test
    void aFullShareRefusesAndEvictsItsOwnOriginsObjectsOnly() throws IOException {
        long mib = 1024 * 1024;
        Origins origins = new Origins(OriginRoute.of("http://127.0.0.1:9001"),
                java.util.Map.of("small.test", OriginRoute.of("http://127.0.0.1:9002").withMaxSize(2 * mib)));
        List<String> evicted = new java.util.ArrayList<>();
        Index index = new Index(8 * mib, origins, Runnable::run, (hash, at) -> evicted.add(hash), new CacheCounters());
        index.put("w", keyed("www.test /w", mib));
        index.put("s1", keyed("small.test /s1", mib));
        index.put("s2", keyed("small.test:8080 /s2", mib)); // the Host's port does not change its origin
        DiskSpace space = new DiskSpace(dir, 8 * mib, CacheConfig.MinFree.bytes(0), index, 1, Runnable::run);
        CacheKey small = CacheKey.of("small.test", "/s3", null);
        assertFalse(space.reserve(3 * mib, small), "larger than its share, though the cache has room");
        assertTrue(space.reserve(mib, small), "in the place of one of its own");
        index.cleanUp();
        assertEquals(1, evicted.size());
        assertTrue(evicted.getFirst().startsWith("s"), "its own: " + evicted);
        assertFalse(space.reserve(2 * mib, small), "its fills under way would pass its share");
        assertTrue(space.reserve(4 * mib, CacheKey.of("www.test", "/w2", null)), "the rest has room");
        assertEquals(5 * mib, space.reserved());
        space.release(mib, small);
        assertEquals(0, index.shareOf(small).reserved());
        assertEquals(List.of(new OriginStored("http://127.0.0.1:9001", 1, mib, OriginRoute.NO_SHARE),
                new OriginStored("http://127.0.0.1:9002", 1, mib, 2 * mib)), index.byOrigin());
    }

    private static StoredObject keyed(String key, long length) {
        return new StoredObject(key, 200, "application/octet-stream", null, null, -1, List.of(), length, 0, 0, 60,
                false, null);
    }

    @ParameterizedTest
    @CsvSource({"5%, 5.0", "0%, 0.0", "100%, 100.0", "2.5%, 2.5", "0.125%, 0.125"})
    void percentages(String text, double percent) {
        assertEquals(percent, CacheConfig.MinFree.parsePercent(text).percent());
        assertEquals((long) (1_000_000 * percent / 100), CacheConfig.MinFree.parsePercent(text).of(1_000_000));
    }

    @ParameterizedTest
    @CsvSource({"101%", "5", "-1%", "%", "5 %", "1e2%", "5.%", "0.0001%", "1000%"})
    void notPercentages(String text) {
        assertNull(CacheConfig.MinFree.parsePercent(text));
    }

    @Test
    void bytesAreBytesWhateverTheFileSystem() {
        assertEquals(123, CacheConfig.MinFree.bytes(123).of(1_000_000_000));
        assertThrows(IllegalArgumentException.class, () -> CacheConfig.MinFree.bytes(-1));
        assertThrows(IllegalArgumentException.class, () -> CacheConfig.MinFree.percent(100.5));
    }
}
