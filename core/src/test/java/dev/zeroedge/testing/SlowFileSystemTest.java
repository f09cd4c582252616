package dev.zeroedge.testing;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The slow file system the content-path tests stand on: it really mounts, passes bytes through unchanged,
 * really delays what it is told to and nothing else, and leaves no mount behind.
 */
class SlowFileSystemTest {

    @TempDir
    Path base;

    @Test
    void mountsPassesBytesThroughDelaysTheNamedOperationsAndUnmounts() throws Exception {
        Path source = Files.createDirectory(base.resolve("source"));
        Path mount = Files.createDirectory(base.resolve("mount"));
        byte[] bytes = new byte[300_000];
        new Random(7).nextBytes(bytes);
        Files.write(source.resolve("cold.bin"), bytes);

        SlowFileSystem fs = SlowFileSystem.mount(source, mount, Duration.ofMillis(600), Set.of("open"));
        try {
            assertTrue(fs.mounted());
            // getattr is not delayed: a stat is quick. open is: the read of the file takes at least the delay.
            long statStart = System.nanoTime();
            assertTrue(Files.size(fs.path().resolve("cold.bin")) == bytes.length);
            long statMillis = (System.nanoTime() - statStart) / 1_000_000;
            long readStart = System.nanoTime();
            assertArrayEquals(bytes, Files.readAllBytes(fs.path().resolve("cold.bin")));
            long readMillis = (System.nanoTime() - readStart) / 1_000_000;
            assertTrue(readMillis >= 600, "open was delayed: " + readMillis + " ms");
            assertTrue(statMillis < 600, "getattr was not: " + statMillis + " ms");
        } finally {
            fs.close();
        }
        assertFalse(fs.mounted(), "unmounted");
        assertFalse(Files.exists(mount.resolve("cold.bin")), "the mount point is empty again");
    }
}
