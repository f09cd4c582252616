package dev.zeroedge.http;

import dev.zeroedge.files.OpenFile;
import dev.zeroedge.files.PageCache;
import dev.zeroedge.testing.SlowFileSystem;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The trust {@link RecentlyHot} gives a file (or a block of a larger one) it found whole in the page cache: for
 * 100 ms, and not after. The
 * file is on FUSE (no delays), whose pages are dropped whenever someone opens it again: the test opens it to
 * make it cold behind the server's descriptor, as eviction would.
 */
class RecentlyHotTest {

    @Test
    void aFileFoundWholeIsTrustedForAMomentThenAskedAgain() throws Exception {
        Path base = Files.createTempDirectory("zeroedge-recentlyhot");
        Path source = Files.createDirectory(base.resolve("source"));
        Files.write(source.resolve("segment.bin"), new byte[128 * 1024]);
        Path mounted = Files.createDirectory(base.resolve("mnt"));
        try (SlowFileSystem fuse = SlowFileSystem.mount(source, mounted, Duration.ZERO, Set.of())) {
            OpenFile file = OpenFile.open(mounted.resolve("segment.bin"));
            try {
                assertFalse(RecentlyHot.holds(file, 0, 64 * 1024));
                PageCache.warm(file, 0, 64 * 1024);
                assertTrue(RecentlyHot.holds(file, 0, 64 * 1024), "the range asked for, when not the whole file");
                assertFalse(RecentlyHot.holds(file, 64 * 1024, 64 * 1024));
                PageCache.warm(file, 0, 128 * 1024);
                long found = System.nanoTime();
                assertTrue(RecentlyHot.holds(file, 64 * 1024, 64 * 1024));
                try (FileChannel dropsThePages = FileChannel.open(mounted.resolve("segment.bin"))) {
                    assertFalse(PageCache.holds(file, 0, 128 * 1024));
                }
                if (System.nanoTime() - found < RecentlyHot.TRUSTED_NANOS / 2) {
                    assertTrue(RecentlyHot.holds(file, 0, 64 * 1024), "trusted within 100 ms of the test");
                }
                Thread.sleep(Duration.ofNanos(RecentlyHot.TRUSTED_NANOS).toMillis() + 10);
                assertFalse(RecentlyHot.holds(file, 0, 64 * 1024), "asked again after 100 ms");
            } finally {
                file.release();
            }
        } finally {
            delete(base);
        }
    }

    /**
     * A file of more than one block is trusted block by block: a block found whole is not asked again for 100 ms,
     * whatever range of it a response sends, and a block not found whole, or past its 100 ms, is asked again.
     */
    @Test
    void aLargerFileIsTrustedBlockByBlock() throws Exception {
        Path base = Files.createTempDirectory("zeroedge-recentlyhot");
        Path source = Files.createDirectory(base.resolve("source"));
        long block = RecentlyHot.BLOCK;
        Files.write(source.resolve("long.bin"), new byte[(int) (2 * block + 64 * 1024)]);
        Path mounted = Files.createDirectory(base.resolve("mnt"));
        try (SlowFileSystem fuse = SlowFileSystem.mount(source, mounted, Duration.ZERO, Set.of())) {
            OpenFile file = OpenFile.open(mounted.resolve("long.bin"));
            try {
                PageCache.warm(file, 0, block);
                long found = System.nanoTime();
                assertTrue(RecentlyHot.holds(file, 0, block), "the first block, warmed");
                assertFalse(RecentlyHot.holds(file, block - 4096, 8192), "a range into the second block, cold");
                try (FileChannel dropsThePages = FileChannel.open(mounted.resolve("long.bin"))) {
                    assertFalse(PageCache.holds(file, 0, block));
                }
                if (System.nanoTime() - found < RecentlyHot.TRUSTED_NANOS / 2) {
                    assertTrue(RecentlyHot.holds(file, 4096, 64 * 1024), "any range of a trusted block");
                }
                assertFalse(RecentlyHot.holds(file, 2 * block, 64 * 1024), "the last block, never warmed");
                Thread.sleep(Duration.ofNanos(RecentlyHot.TRUSTED_NANOS).toMillis() + 10);
                assertFalse(RecentlyHot.holds(file, 0, block), "asked again after 100 ms");
            } finally {
                file.release();
            }
        } finally {
            delete(base);
        }
    }

    private static void delete(Path base) throws IOException {
        try (Stream<Path> walk = Files.walk(base)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
