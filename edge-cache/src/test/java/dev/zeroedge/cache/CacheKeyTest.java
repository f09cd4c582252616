package dev.zeroedge.cache;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class CacheKeyTest {

    @Test
    void hostIsCaseFreeAndADefaultPortIsNoPartOfIt() {
        assertEquals(CacheKey.of("Edge.Test", "/a", null).hash(), CacheKey.of("edge.test:80", "/a", null).hash());
        assertNotEquals(CacheKey.of("edge.test:8080", "/a", null).hash(), CacheKey.of("edge.test", "/a", null).hash());
    }

    @Test
    void queryAndPathTellObjectsApart() {
        assertNotEquals(CacheKey.of("h", "/a", null).hash(), CacheKey.of("h", "/a", "").hash());
        assertNotEquals(CacheKey.of("h", "/a", "x=1").hash(), CacheKey.of("h", "/a", "x=2").hash());
        assertNotEquals(CacheKey.of("h", "/a b", null).hash(), CacheKey.of("h", "/a", "b").hash());
        assertEquals(32, CacheKey.of("h", "/a", null).hash().length());
    }
}
