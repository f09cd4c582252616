package dev.zeroedge.files;

import dev.zeroedge.testing.SlowFileSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The page-cache test and the warm, on real files: one on the ordinary disk, just written (so in the cache),
 * and one on {@link SlowFileSystem} with no delays, whose pages FUSE drops whenever the file is opened again:
 * a file that is reliably cold after each open, on every run.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PageCacheTest {

    private static final int LENGTH = 256 * 1024;

    private Path base;
    private Path mounted;
    private SlowFileSystem fuse;

    @BeforeAll
    void mount() throws Exception {
        base = Files.createTempDirectory("zeroedge-pagecache");
        Path source = Files.createDirectory(base.resolve("source"));
        Files.write(source.resolve("cold.bin"), new byte[LENGTH]);
        Files.write(base.resolve("hot.bin"), new byte[LENGTH]);
        mounted = Files.createDirectory(base.resolve("mnt"));
        fuse = SlowFileSystem.mount(source, mounted, Duration.ZERO, Set.of());
    }

    @AfterAll
    void unmount() throws Exception {
        if (fuse != null) {
            fuse.close();
        }
        try (Stream<Path> walk = Files.walk(base)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Test
    void cachestatCanBeCalledHere() {
        // Linux 6.18, tests as root: a machine of this project's kind must have it; never skip.
        assertTrue(PageCache.available());
    }

    @Test
    void aFileJustWrittenIsHeldWhole() throws Exception {
        OpenFile file = OpenFile.open(base.resolve("hot.bin"));
        try {
            assertTrue(PageCache.holds(file, 0, LENGTH));
            assertTrue(PageCache.holds(file, LENGTH - 1, 1));
        } finally {
            file.release();
        }
    }

    @Test
    void aColdRangeIsHeldAfterItsWarmAndOnlyIt() throws Exception {
        OpenFile file = OpenFile.open(mounted.resolve("cold.bin"));
        try {
            assertFalse(PageCache.holds(file, 0, LENGTH), "FUSE dropped the pages at the open");
            PageCache.warm(file, 64 * 1024, 64 * 1024);
            assertTrue(PageCache.holds(file, 64 * 1024, 64 * 1024));
            // Readahead is off after a warm: the pages before and after the range were not read with it.
            assertFalse(PageCache.holds(file, 0, 64 * 1024));
            assertFalse(PageCache.holds(file, 128 * 1024, 64 * 1024));
            assertFalse(PageCache.holds(file, 0, LENGTH), "one page missing is not held");
            PageCache.warm(file, 0, LENGTH);
            assertTrue(PageCache.holds(file, 0, LENGTH));
        } finally {
            file.release();
        }
    }
}
