package dev.zeroedge.cache;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The threshold of a failing directory: {@link DirectoryHealth#ERRORS} errors within the window, and which count. */
class DirectoryHealthTest {

    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    @Test
    void theFifthErrorWithinSixtySecondsIsTheThreshold(@TempDir Path dir) throws IOException {
        Files.createDirectory(dir.resolve("tmp"));
        DirectoryHealth health = new DirectoryHealth(dir);
        long t = 1_000 * SECOND;
        for (int i = 0; i < 4; i++) {
            assertFalse(health.error(t + i * SECOND));
        }
        assertTrue(health.error(t + 59 * SECOND), "five within 60 s");
        assertEquals(5, health.errors());
    }

    @Test
    void errorsSpreadWiderThanTheWindowNeverReachIt(@TempDir Path dir) throws IOException {
        Files.createDirectory(dir.resolve("tmp"));
        DirectoryHealth health = new DirectoryHealth(dir);
        long t = 1_000 * SECOND;
        for (int i = 0; i < 50; i++) {
            // One every 16 s: five of them span 64 s.
            assertFalse(health.error(t + i * 16 * SECOND), "error " + i);
        }
    }

    @Test
    void theCachesNormalLifeIsNoError() {
        assertFalse(DirectoryHealth.counts(new NoSuchFileException("evicted meanwhile")));
        assertFalse(DirectoryHealth.counts(new IOException("No space left on device")));
        assertFalse(DirectoryHealth.counts(new ClosedByInterruptException()));
        assertTrue(DirectoryHealth.counts(new IOException("Input/output error")));
        assertTrue(DirectoryHealth.counts(new AccessDeniedException("/cache/ab")));
        assertFalse(DirectoryHealth.counts(new IllegalStateException("not the disk's")));
    }

    @Test
    void aDirectoryReplacedUnderItsPathIsAProblem(@TempDir Path dir) throws IOException {
        Path cache = Files.createDirectory(dir.resolve("cache"));
        Files.createDirectory(cache.resolve("tmp"));
        DirectoryHealth health = new DirectoryHealth(cache);
        assertNull(health.problem());
        Files.move(cache, dir.resolve("gone"));
        Files.createDirectories(cache.resolve("tmp")); // another directory (another inode) under the same path
        assertTrue(health.problem().contains("no longer the directory it was at startup"), health.problem());
        Files.delete(cache.resolve("tmp"));
        Files.delete(cache);
        assertTrue(health.problem().startsWith("it cannot be read"), health.problem());
    }
}
