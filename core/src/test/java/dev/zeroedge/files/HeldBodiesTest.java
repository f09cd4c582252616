package dev.zeroedge.files;

import io.netty.channel.DefaultEventLoop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * The open-file cache holds small files' bytes within its budget, and gives the budget back when a file's
 * last reference goes: 1000-byte files under a 2500-byte budget, at most 1000 bytes each. Every spelling
 * of one file (escapes, dot segments, a symlink) is one descriptor and one held body.
 */
class HeldBodiesTest {

    @TempDir
    Path root;

    private final FileSystemPool pool = new FileSystemPool(2, 16);
    private final DefaultEventLoop loop = new DefaultEventLoop();

    @AfterEach
    void stop() {
        pool.close();
        loop.shutdownGracefully(0, 0, TimeUnit.SECONDS);
    }

    private OpenFile open(OpenFileCache cache, String name) throws Exception {
        Lookup.Found found = (Lookup.Found) cache.lookUp("/" + name, loop).get(10, TimeUnit.SECONDS);
        return found.open();
    }

    @Test
    void holdsWhatFitsAndGivesItBack() throws Exception {
        for (String name : new String[] {"a", "b", "c"}) {
            Files.writeString(root.resolve(name), name.repeat(1000));
        }
        Files.writeString(root.resolve("big"), "x".repeat(1001));
        HeldBodies held = new HeldBodies(1000, 2500);
        OpenFileCache cache = new OpenFileCache(new DocumentRoot(root, false), pool, 16, Duration.ofMinutes(1),
                Duration.ofMinutes(1), held);

        OpenFile a = open(cache, "a");
        OpenFile b = open(cache, "b");
        OpenFile c = open(cache, "c");
        OpenFile big = open(cache, "big");
        assertEquals("a".repeat(1000), a.body().toString(StandardCharsets.US_ASCII));
        assertNotNull(b.body());
        assertNull(c.body(), "past the budget: read from the descriptor");
        assertNull(big.body(), "larger than the largest held");
        assertEquals(2000, held.held());

        for (OpenFile file : new OpenFile[] {a, b, c, big}) {
            file.release();
        }
        cache.close();
        assertEquals(0, held.held(), "every held byte given back with the last reference");
    }

    @Test
    void everySpellingOfOneFileHoldsItsBytesOnce() throws Exception {
        Files.writeString(root.resolve("a.txt"), "a".repeat(1000));
        Files.createDirectory(root.resolve("dir"));
        Files.createSymbolicLink(root.resolve("link-in"), Path.of("a.txt"));
        HeldBodies held = new HeldBodies(1000, 10_000);
        OpenFileCache cache = new OpenFileCache(new DocumentRoot(root, false), pool, 16, Duration.ofMinutes(1),
                Duration.ofMinutes(1), held);

        OpenFile first = open(cache, "a.txt");
        for (String alias : new String[] {"%61.txt", "/a.txt", "./a.txt", "dir/../a.txt", "link-in"}) {
            OpenFile same = open(cache, alias);
            assertSame(first, same, alias);
            same.release();
        }
        assertEquals(1000, held.held(), "one body held for all of them");
        first.release();
        cache.close();
        assertEquals(0, held.held());
    }
}
