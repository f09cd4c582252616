package dev.zeroedge.files;

import dev.zeroedge.testing.SlowFileSystem;
import io.netty.channel.DefaultEventLoop;
import io.netty.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A slow disk fills its own queue, never the others': with {@code slow/} on {@link SlowFileSystem} (every
 * open, getattr and read sleeps {@link #DELAY}) and the pool's threads of that disk all waiting in it, a
 * recheck and a first open on the normal disk still complete at once, and when the slow disk's queue is
 * full only its own work is refused.
 */
class FileSystemPoolTest {

    private static final Duration DELAY = Duration.ofMillis(300);

    @TempDir
    Path base;

    private final DefaultEventLoop loop = new DefaultEventLoop();
    private SlowFileSystem slow;
    private FileSystemPool pool;
    private DocumentRoot root;

    @BeforeEach
    void mount() throws Exception {
        Path rootDir = Files.createDirectory(base.resolve("root"));
        Path source = Files.createDirectory(base.resolve("source"));
        for (int i = 0; i < 8; i++) {
            Files.writeString(source.resolve("cold-" + i), "cold " + i);
        }
        Files.writeString(rootDir.resolve("hot"), "hot");
        Files.writeString(rootDir.resolve("new"), "new");
        slow = SlowFileSystem.mount(source, Files.createDirectory(rootDir.resolve("slow")), DELAY,
                Set.of("open", "getattr", "read"));
        pool = new FileSystemPool(2, 4);
        root = new DocumentRoot(rootDir, false);
    }

    @AfterEach
    void unmount() throws Exception {
        pool.close(Duration.ofSeconds(5));
        slow.close();
        loop.shutdownGracefully(0, 0, TimeUnit.SECONDS);
    }

    @Test
    void aSlowDiskWaitsInItsOwnQueue() throws Exception {
        Lookup.Found hot = found(pool.open(root, "/hot", HeldBodies.NONE, loop));
        Lookup.Found first = found(pool.open(root, "/slow/cold-0", HeldBodies.NONE, loop));
        assertNotEquals(hot.file().device(), first.file().device(), "slow/ is a file system of its own");
        assertEquals(first.file().device(), pool.diskOf(root.path().resolve("slow")), "the lookup taught its disk");

        // Both threads of the slow disk busy and its queue full: each open there takes several delays.
        List<Future<Lookup>> busy = new ArrayList<>();
        for (int i = 1; i <= 6; i++) {
            busy.add(pool.open(root, "/slow/cold-" + i, HeldBodies.NONE, loop));
        }
        Lookup refused = pool.open(root, "/slow/cold-7", HeldBodies.NONE, loop).get(1, TimeUnit.SECONDS);
        assertInstanceOf(Lookup.Busy.class, refused, "the slow disk's queue (4) is full");
        assertEquals(4, pool.queued());

        // The normal disk answers as if the slow one were not there. The bound is a logical one: an answer
        // that queued behind any of the slow opens would come after at least one injected delay.
        long start = System.nanoTime();
        Lookup rechecked = pool.recheck(root, "/hot", HeldBodies.NONE, hot.file(), loop).get(10, TimeUnit.SECONDS);
        Lookup.Found opened = found(pool.open(root, "/new", HeldBodies.NONE, loop));
        long took = System.nanoTime() - start;
        assertInstanceOf(Lookup.Unchanged.class, rechecked);
        assertEquals(hot.file().device(), opened.file().device());
        assertTrue(took < DELAY.toNanos(), "the normal disk's work took " + took / 1_000_000 + " ms, as long as a"
                + " slow operation: it waited behind the slow disk");
        assertTrue(busy.stream().noneMatch(Future::isDone), "the slow opens were still under way meanwhile");

        for (Future<Lookup> open : busy) {
            found(open).open().release();
        }
        hot.open().release();
        first.open().release();
        opened.open().release();
        assertEquals(0, pool.queued());
    }

    @Test
    void workNamedByAFileGoesToThatFilesDisk() throws Exception {
        Lookup.Found first = found(pool.open(root, "/slow/cold-0", HeldBodies.NONE, loop));
        Path cold = first.open().path();
        for (int i = 0; i < 6; i++) {
            // Two running and four waiting: one slow operation each.
            assertNotNull(pool.submit(cold, () -> Files.readString(cold), loop));
        }
        assertNull(pool.submit(cold, () -> Files.readString(cold), loop), "the slow disk's queue is full");
        Future<String> hot = pool.submit(root.path().resolve("hot"), () -> Files.readString(root.path()
                .resolve("hot")), loop);
        assertNotNull(hot, "another disk's queue is not that one");
        assertEquals("hot", hot.get(DELAY.toMillis(), TimeUnit.MILLISECONDS));
        first.open().release();
    }

    private static Lookup.Found found(Future<Lookup> lookup) throws Exception {
        return assertInstanceOf(Lookup.Found.class, lookup.get(30, TimeUnit.SECONDS));
    }
}
