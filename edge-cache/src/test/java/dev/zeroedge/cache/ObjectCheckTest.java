package dev.zeroedge.cache;

import dev.zeroedge.files.FileWriter;
import dev.zeroedge.files.OpenFile;
import dev.zeroedge.files.PageCache;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A check reads around the page cache: an object whose pages were not resident is not resident after it was
 * checked (readahead off, each cold range dropped after its read), and a resident one stays resident. Real files
 * on the test directory's file system, residency asked of the kernel (cachestat, Linux 6.5, which this machine
 * has: the test fails rather than skips without it).
 */
class ObjectCheckTest {

    /** Four of the check's 256 KiB ranges: readahead from one would make the next look resident. */
    private static final int LENGTH = 1 << 20;

    @TempDir
    Path dir;

    private static StoredObject stored(String key, byte[] body) {
        CRC32C crc = new CRC32C();
        crc.update(body);
        return new StoredObject(key, 200, "application/octet-stream", null, null, -1, List.of(), body.length,
                System.currentTimeMillis(), 0, 3600, false, SliceMap.whole(body.length, (int) crc.getValue()));
    }

    private static String commit(Store store, String hash, byte[] body) throws IOException {
        Store.Temp temp = store.create(hash, body.length);
        FileWriter.writeFully(temp.writer(), new ByteBuffer[] {ByteBuffer.wrap(body)}, 0);
        store.commit(temp, hash, stored("edge.test /" + hash, body));
        return hash;
    }

    private static boolean resident(Store store, String hash) throws IOException {
        OpenFile body = store.openBody(hash);
        try {
            return PageCache.holds(body, 0, body.length());
        } finally {
            body.release();
        }
    }

    /** How many of the body's 4 KiB pages the page cache holds. */
    private static int residentPages(Store store, String hash) throws IOException {
        OpenFile body = store.openBody(hash);
        try {
            int pages = 0;
            for (long at = 0; at < body.length(); at += 4096) {
                pages += PageCache.holds(body, at, 4096) ? 1 : 0;
            }
            return pages;
        } finally {
            body.release();
        }
    }

    private static void dropPages(Store store, String hash) throws IOException {
        OpenFile body = store.openBody(hash);
        try {
            body.channel().force(true); // clean pages only are dropped
            PageCache.drop(body, 0, body.length());
        } finally {
            body.release();
        }
    }

    @Test
    void aColdObjectStaysColdAndAHotOneStaysHot() throws Exception {
        assertTrue(PageCache.available(), "cachestat(2) is expected on this machine");
        Store store = new Store(dir);
        byte[] body = new byte[LENGTH];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) (i * 13 + i / 4093);
        }
        String cold = commit(store, "c01d00000000000000000000000000aa", body);
        String hot = commit(store, "4e7000000000000000000000000000bb", body);
        dropPages(store, cold);
        assertEquals(0, residentPages(store, cold));
        Files.readAllBytes(store.bodyPath(hot));
        assertTrue(resident(store, hot));

        ObjectCheck check = new ObjectCheck(store, Pace.unlimited());
        assertNull(check.check(cold, null));
        assertNull(check.check(hot, null));

        assertEquals(0, residentPages(store, cold), "pages of the cold object the check left in memory");
        assertTrue(resident(store, hot), "the check pushed the hot object's pages out");
    }

    @Test
    void aBodyReplacedSinceTheIndexLearnedItIsNotJudged() throws Exception {
        Store store = new Store(dir);
        byte[] body = new byte[4096];
        String hash = commit(store, "0123456789abcdef0123456789abcdef", body);
        StoredObject indexed = store.readMetadata(hash);
        StoredObject older = new StoredObject(indexed.key(), 200, indexed.type(), null, null, -1, List.of(),
                indexed.length(), indexed.storedAtMillis() - 1, 0, 3600, false, SliceMap.whole(4096, 42));
        ObjectCheck check = new ObjectCheck(store, Pace.unlimited());
        assertNull(check.check(hash, older), "the disk holds a newer object: not the older one's to judge");
        Fault fault = new ObjectCheck(store, Pace.unlimited()).check(hash, null);
        assertNull(fault);
        Files.write(store.bodyPath(hash), new byte[] {1}, java.nio.file.StandardOpenOption.APPEND);
        assertEquals(new Fault(hash, indexed.key(), -1, "body of 4097 bytes, metadata says 4096"),
                check.check(hash, indexed));
    }
}
