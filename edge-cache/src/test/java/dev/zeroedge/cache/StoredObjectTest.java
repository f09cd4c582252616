package dev.zeroedge.cache;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The metadata file reads back as it was written, and a torn or foreign one is refused, never half read. */
class StoredObjectTest {

    private static final StoredObject OBJECT = new StoredObject("edge.test /v/seg 7.m4s?q=1", 200, "video/iso.segment",
            "\"e-1\"", "Sun, 06 Nov 1994 08:49:37 GMT", 784_111_777L,
            List.of(new String[] {"X-Origin", "ü & more"}, new String[] {"Link", "</a>; rel=preload"}),
            5_000_000_000L, 1_700_000_000_000L, 12, 3600, false,
            SliceMap.empty(5_000_000_000L, 4L << 20).with(0, 0x1234abcd).with(1191, -7));

    @Test
    void roundTrip() throws IOException {
        StoredObject back = StoredObject.decode(OBJECT.encode());
        assertEquals(OBJECT.key(), back.key());
        assertEquals(OBJECT.type(), back.type());
        assertEquals(OBJECT.etag(), back.etag());
        assertEquals(OBJECT.lastModified(), back.lastModified());
        assertEquals(OBJECT.length(), back.length());
        assertEquals(OBJECT.storedAtMillis(), back.storedAtMillis());
        assertEquals(OBJECT.lifetime(), back.lifetime());
        assertEquals(2, back.fields().size());
        assertArrayEquals(OBJECT.fields().get(0), back.fields().get(0));
        assertArrayEquals(OBJECT.fields().get(1), back.fields().get(1));
        assertEquals(OBJECT.slices(), back.slices());
        assertEquals(1193, back.slices().count());
        assertTrue(back.slices().has(1191));
        assertFalse(back.slices().has(1192));
        assertFalse(back.whole());
        assertEquals(5_000_000_000L, back.slices().end(1192));
    }

    @Test
    void everyTornOrFlippedFileIsRefused() {
        byte[] bytes = OBJECT.encode();
        for (int length = 0; length < bytes.length; length++) {
            byte[] torn = Arrays.copyOf(bytes, length);
            assertThrows(IOException.class, () -> StoredObject.decode(torn), "torn at " + length);
        }
        for (int at = 0; at < bytes.length; at++) {
            byte[] flipped = bytes.clone();
            flipped[at] ^= 0x10;
            assertThrows(IOException.class, () -> StoredObject.decode(flipped), "flipped at " + at);
        }
    }

    @Test
    void ageAndFreshness() {
        long stored = OBJECT.storedAtMillis();
        assertEquals(12, OBJECT.age(stored));
        assertEquals(112, OBJECT.age(stored + 100_999));
        assertTrue(OBJECT.freshAt(stored + 3_587_000));
        assertFalse(OBJECT.freshAt(stored + 3_588_000));
    }
}
