package dev.zeroedge.transport.uring;

import dev.zeroedge.files.DocumentRoot;
import dev.zeroedge.files.FileSystemPool;
import dev.zeroedge.files.HeldBodies;
import dev.zeroedge.files.Lookup;
import dev.zeroedge.files.OpenFile;
import dev.zeroedge.testing.LeakRecorder;
import dev.zeroedge.testing.OpenDescriptors;
import dev.zeroedge.testing.SlowFileSystem;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ring's lookups answer every name as the file-system pool does (same kind of answer, same validators,
 * same bytes, same held body), on a real io_uring loop and real files; they answer without the pool where
 * the kernel resolves the name beneath the root, and leave no descriptor or buffer behind.
 *
 * <p>Not in the table: permission denied. The tests run as root, whom the kernel lets read any file, so a
 * mode-000 file opens on both paths and proves nothing; both map EACCES the same way
 * ({@link dev.zeroedge.files.NonBlockingOpen#refusal}).
 */
class RingFileOpenerTest {

    @TempDir
    Path base;

    private Path rootDir;
    private DocumentRoot root;
    private MultiThreadIoEventLoopGroup group;
    private EventLoop loop;
    private final List<AutoCloseable> closing = new ArrayList<>();
    private int descriptorsBefore;

    @BeforeEach
    void files() throws Exception {
        assertTrue(LeakRecorder.installed(), "the leak recorder runs in this JVM");
        LeakRecorder.collect();
        rootDir = Files.createDirectory(base.resolve("root"));
        Path outside = Files.createDirectory(base.resolve("outside"));
        Files.writeString(outside.resolve("secret.txt"), "not for the web");
        Files.writeString(rootDir.resolve("a.txt"), "small file\n".repeat(10));
        byte[] big = new byte[100_000];
        new Random(1).nextBytes(big);
        Files.write(rootDir.resolve("big.bin"), big);
        Files.createDirectories(rootDir.resolve("dir"));
        Files.writeString(rootDir.resolve("dir/index.html"), "<p>index</p>");
        Files.createDirectories(rootDir.resolve("noindex"));
        Files.createDirectories(rootDir.resolve("indexdir/index.html"));
        Files.createDirectories(rootDir.resolve("a/b"));
        Files.writeString(rootDir.resolve("a/b/c.css"), "p { color: red }");
        Files.writeString(rootDir.resolve("empty.txt"), "");
        Files.writeString(rootDir.resolve("name with space & ü.txt"), "unicode");
        run("mkfifo", rootDir.resolve("fifo").toString());
        run("mknod", rootDir.resolve("null").toString(), "c", "1", "3");
        Files.createSymbolicLink(rootDir.resolve("link-rel"), Path.of("a/b/c.css"));
        Files.createSymbolicLink(rootDir.resolve("link-abs"), rootDir.resolve("a.txt").toRealPath());
        Files.createSymbolicLink(rootDir.resolve("link-out"), outside.resolve("secret.txt"));
        Files.createSymbolicLink(rootDir.resolve("link-up"), Path.of("../outside/secret.txt"));
        Files.createSymbolicLink(rootDir.resolve("link-dir"), Path.of("dir"));
        Files.createSymbolicLink(rootDir.resolve("a/link-sideways"), Path.of("../a.txt"));
        root = new DocumentRoot(rootDir, false);
        descriptorsBefore = OpenDescriptors.count();
        group = new MultiThreadIoEventLoopGroup(1, IoUringIoHandler.newFactory());
        loop = group.next();
    }

    @AfterEach
    void leaks() throws Exception {
        group.shutdownGracefully(0, 0, TimeUnit.SECONDS).sync();
        for (AutoCloseable c : closing) {
            c.close();
        }
        int descriptors = OpenDescriptors.awaitAtMost(descriptorsBefore, 5000);
        assertTrue(descriptors <= descriptorsBefore, () -> "every descriptor closed, the root's directory included: "
                + descriptorsBefore + " before, now " + descriptors());
        assertEquals(List.of(), LeakRecorder.collect(), "no buffer leaked");
    }

    /** Name → whether the ring answers it alone (false: RESOLVE_BENEATH refuses the path, the pool answers). */
    private static final Map<String, Boolean> NAMES = new LinkedHashMap<>();

    static {
        NAMES.put("/a.txt", true);              // small, held
        NAMES.put("/big.bin", true);            // larger than what is held: read from the descriptor
        NAMES.put("/empty.txt", true);
        NAMES.put("/name with space & ü.txt", true);
        NAMES.put("/dir", true);                // MissingSlash → /dir/
        NAMES.put("/dir/", true);               // its index.html
        NAMES.put("/dir/index.html", true);
        NAMES.put("/noindex/", true);           // directory without index.html
        NAMES.put("/indexdir/", true);          // index.html is a directory
        NAMES.put("/", true);                   // the root has no index.html
        NAMES.put("/missing", true);
        NAMES.put("/missing/deeper", true);
        NAMES.put("/a.txt/", true);             // a file named as a directory
        NAMES.put("/a.txt/x", true);            // ENOTDIR
        NAMES.put("/fifo", true);               // not regular: at once, no writer waited for
        NAMES.put("/null", true);               // a character device
        NAMES.put("/a/b/c.css", true);          // nesting
        NAMES.put("/a/b", true);
        NAMES.put("/link-rel", true);           // symlink inside, relative: the real path is its target's
        NAMES.put("/link-dir/", true);          // symlink to a directory inside
        NAMES.put("/link-dir", true);
        NAMES.put("/a/link-sideways", true);    // climbs up but stays beneath the root
        NAMES.put("/link-abs", false);          // absolute symlink inside: EXDEV, the pool follows it
        NAMES.put("/link-out", false);          // absolute symlink out: EXDEV, the pool refuses it
        NAMES.put("/link-up", false);           // relative symlink that climbs out: EXDEV, the pool refuses it
    }

    @Test
    void answersEveryNameAsThePoolDoes() throws Exception {
        FileSystemPool pool = new FileSystemPool(2, 64);
        closing.add(pool);
        RingFileOpener ring = new RingFileOpener(pool);
        HeldBodies ringHeld = new HeldBodies(16 * 1024, 1024 * 1024);
        HeldBodies poolHeld = new HeldBodies(16 * 1024, 1024 * 1024);
        for (String name : NAMES.keySet()) {
            Lookup byRing = await(ring.open(root, name, ringHeld, loop));
            Lookup byPool = await(pool.open(root, name, poolHeld, loop));
            try {
                assertSame(name, byPool, byRing);
            } finally {
                release(byRing);
                release(byPool);
            }
        }
        assertEquals(0, ringHeld.held(), "every held body given back with its file");
    }

    @Test
    void answersWithoutThePoolWhereTheKernelResolvesBeneathTheRoot() throws Exception {
        FileSystemPool pool = new FileSystemPool(1, 1);
        closing.add(pool);
        FileSystemPool closed = new FileSystemPool(1, 1);
        closed.close();
        RingFileOpener ringAlone = new RingFileOpener(closed);
        HeldBodies held = new HeldBodies(16 * 1024, 1024 * 1024);
        for (Map.Entry<String, Boolean> name : NAMES.entrySet()) {
            Lookup byRing = await(ringAlone.open(root, name.getKey(), held, loop));
            try {
                if (name.getValue()) {
                    Lookup byPool = await(pool.open(root, name.getKey(), held, loop));
                    try {
                        assertSame(name.getKey(), byPool, byRing);
                    } finally {
                        release(byPool);
                    }
                } else {
                    assertInstanceOf(Lookup.Busy.class, byRing, name.getKey() + " is the pool's: " + byRing);
                }
            } finally {
                release(byRing);
            }
        }
    }

    /**
     * A recheck (the cache's name has expired, its file is open): unchanged → {@link Lookup.Unchanged}, with
     * no descriptor taken, whichever way the name reaches the file; changed (rewritten, replaced, gone) →
     * what an open finds now. By the ring alone (its pool is closed) where the kernel resolves the name.
     */
    @Test
    void rechecksAsThePoolDoes() throws Exception {
        FileSystemPool pool = new FileSystemPool(2, 64);
        closing.add(pool);
        FileSystemPool closed = new FileSystemPool(1, 1);
        closed.close();
        RingFileOpener ring = new RingFileOpener(closed);
        for (String name : new String[] {"/a.txt", "/dir/", "/link-rel", "/a/link-sideways"}) {
            Lookup.Found first = (Lookup.Found) await(pool.open(root, name, HeldBodies.NONE, loop));
            release(first);
            assertInstanceOf(Lookup.Unchanged.class,
                    await(ring.recheck(root, name, HeldBodies.NONE, first.file(), loop)), name);
            assertInstanceOf(Lookup.Unchanged.class,
                    await(pool.recheck(root, name, HeldBodies.NONE, first.file(), loop)), name);
        }
        Lookup.Found before = (Lookup.Found) await(pool.open(root, "/a/b/c.css", HeldBodies.NONE, loop));
        release(before);
        Files.writeString(rootDir.resolve("a/b/c.css.new"), "p { color: blue }");
        Files.move(rootDir.resolve("a/b/c.css.new"), rootDir.resolve("a/b/c.css"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Lookup byRing = await(ring.recheck(root, "/a/b/c.css", HeldBodies.NONE, before.file(), loop));
        Lookup byPool = await(pool.recheck(root, "/a/b/c.css", HeldBodies.NONE, before.file(), loop));
        try {
            assertSame("/a/b/c.css replaced", byPool, byRing);
            assertEquals("p { color: blue }".length(), ((Lookup.Found) byRing).file().length());
        } finally {
            release(byRing);
            release(byPool);
        }
        Lookup.Found gone = (Lookup.Found) await(pool.open(root, "/dir/index.html", HeldBodies.NONE, loop));
        release(gone);
        Files.delete(rootDir.resolve("dir/index.html"));
        assertInstanceOf(Lookup.NotFound.class,
                await(ring.recheck(root, "/dir/index.html", HeldBodies.NONE, gone.file(), loop)));
    }

    @Test
    void manyLookupsAtOnceOnOneLoop() throws Exception {
        FileSystemPool pool = new FileSystemPool(1, 1);
        closing.add(pool);
        RingFileOpener ring = new RingFileOpener(pool);
        List<Future<Lookup>> answers = new ArrayList<>();
        loop.submit(() -> {
            for (int i = 0; i < 500; i++) {
                answers.add(ring.open(root, i % 2 == 0 ? "/big.bin" : "/a/b/c.css", HeldBodies.NONE, loop));
            }
        }).sync();
        for (Future<Lookup> answer : answers) {
            Lookup lookup = await(answer);
            assertInstanceOf(Lookup.Found.class, lookup);
            release(lookup);
        }
    }

    /**
     * No file-system call of a miss runs on the loop or on a pool thread: one directory of the root is on a
     * FUSE file system that waits 200 ms before each open and getattr, the pool's one thread is busy and its
     * queue full, and still the slow file is found (by the ring: the pool would have answered busy), while
     * the loop keeps running tasks: each one submitted during the slow lookup runs within far less than one
     * injected delay, which it could not if the loop were inside a 200 ms open or stat.
     */
    @Test
    void aSlowDiskDoesNotStopTheLoop() throws Exception {
        Path source = Files.createDirectory(base.resolve("slow-source"));
        Files.writeString(source.resolve("cold.txt"), "cold bytes");
        Path mount = Files.createDirectory(rootDir.resolve("slow"));
        SlowFileSystem slow = SlowFileSystem.mount(source, mount, Duration.ofMillis(200), Set.of("open", "getattr"));
        try {
            FileSystemPool pool = new FileSystemPool(1, 1);
            closing.add(pool);
            CountDownLatch hold = new CountDownLatch(1);
            // Full on the disk a fallback to the pool would use (slow/, not known to it yet).
            pool.submit(mount.resolve("cold.txt"), () -> hold.await(30, TimeUnit.SECONDS), loop);
            pool.submit(mount.resolve("cold.txt"), () -> hold.await(30, TimeUnit.SECONDS), loop);
            try {
                RingFileOpener ring = new RingFileOpener(pool);
                // The root's directory descriptor, opened once per loop, first.
                release(await(ring.open(root, "/a.txt", HeldBodies.NONE, loop)));

                long start = System.nanoTime();
                Future<Lookup> cold = loop.submit(() -> ring.open(root, "/slow/cold.txt",
                        new HeldBodies(1024, 1024), loop)).sync().getNow();
                long worstTaskMillis = 0;
                int tasks = 0;
                while (!cold.isDone()) {
                    long asked = System.nanoTime();
                    loop.submit(() -> { }).sync();
                    worstTaskMillis = Math.max(worstTaskMillis, (System.nanoTime() - asked) / 1_000_000);
                    tasks++;
                    Thread.sleep(5);
                }
                long coldMillis = (System.nanoTime() - start) / 1_000_000;
                Lookup found = await(cold);
                try {
                    Lookup.Found file = assertInstanceOf(Lookup.Found.class, found, "found by the ring");
                    assertEquals("cold bytes", file.open().body().toString(StandardCharsets.US_ASCII));
                    assertEquals(mount.toRealPath().resolve("cold.txt"), file.file().path());
                } finally {
                    release(found);
                }
                assertTrue(coldMillis >= 200, "the slow file system was in the way: " + coldMillis + " ms");
                assertTrue(tasks > 5, "the loop was asked while the lookup waited: " + tasks);
                assertTrue(worstTaskMillis < 100, "the loop kept running tasks: worst " + worstTaskMillis + " ms");
            } finally {
                hold.countDown();
            }
        } finally {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).sync();
            slow.close();
        }
    }

    /**
     * A loop that shuts down with lookups in flight (opened, being stat'ed, being read) answers each of them
     * (busy, or found when the kernel was quicker) and closes what the kernel opened for the ones nobody
     * waits for any more: the descriptor count comes back (checked after each test).
     *
     * <p>Not tested here: an open still waiting in a stalled file system when the ring is destroyed. Netty's
     * io_uring loop waits for one completion before it destroys its ring, and the descriptor such an open
     * installs afterwards is beyond reach (see {@link RingLookups}).
     */
    @Test
    void aLoopThatShutsDownAnswersAndClosesWhatIsInFlight() throws Exception {
        FileSystemPool pool = new FileSystemPool(1, 1);
        closing.add(pool);
        RingFileOpener ring = new RingFileOpener(pool);
        HeldBodies held = new HeldBodies(1024, 1024 * 1024);
        release(await(ring.open(root, "/a.txt", HeldBodies.NONE, loop)));
        List<Future<Lookup>> answers = new ArrayList<>();
        // Asked and told to stop in one task: the loop sees the stop before any of these completes.
        loop.submit(() -> {
            for (int i = 0; i < 200; i++) {
                answers.add(ring.open(root, i % 2 == 0 ? "/a.txt" : "/big.bin", held, loop));
            }
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
        }).sync();
        group.terminationFuture().sync();
        int busy = 0;
        for (Future<Lookup> answer : answers) {
            Lookup lookup = await(answer);
            if (lookup instanceof Lookup.Busy) {
                busy++;
            } else {
                assertInstanceOf(Lookup.Found.class, lookup);
            }
            release(lookup);
        }
        assertTrue(busy > 0, "some lookups were still in flight when the loop closed");
    }

    /** The same answer: kind, and for a file its validators, path, length, held body and bytes. */
    private static void assertSame(String name, Lookup expected, Lookup actual) throws IOException {
        assertEquals(expected.getClass(), actual.getClass(), name + ": pool " + expected + ", ring " + actual);
        switch (expected) {
            case Lookup.Found pool -> {
                Lookup.Found ring = (Lookup.Found) actual;
                assertEquals(pool.file(), ring.file(), name + ": validators and path");
                assertEquals(pool.open().path(), ring.open().path(), name);
                assertEquals(pool.open().length(), ring.open().length(), name);
                if (pool.open().body() == null) {
                    assertNull(ring.open().body(), name + ": not held");
                } else {
                    assertNotNull(ring.open().body(), name + ": held");
                    assertEquals(pool.open().body(), ring.open().body(), name + ": held bytes");
                }
                assertArrayEquals(bytes(pool.open()), bytes(ring.open()), name + ": bytes");
                assertTrue(ring.open().descriptor() >= 0, name);
            }
            case Lookup.MissingSlash pool -> assertEquals(pool.location(), ((Lookup.MissingSlash) actual).location());
            default -> {
            }
        }
    }

    private static List<String> descriptors() {
        List<String> open = new ArrayList<>();
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            fds.forEach(fd -> {
                try {
                    open.add(fd.getFileName() + "->" + Files.readSymbolicLink(fd));
                } catch (IOException gone) {
                    // closed meanwhile
                }
            });
        } catch (IOException e) {
            open.add(e.toString());
        }
        return open;
    }

    private static byte[] bytes(OpenFile file) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate((int) file.length());
        while (bytes.hasRemaining()) {
            if (file.channel().read(bytes, bytes.position()) < 0) {
                break;
            }
        }
        return Arrays.copyOf(bytes.array(), bytes.position());
    }

    private static Lookup await(Future<Lookup> answer) throws Exception {
        return answer.get(10, TimeUnit.SECONDS);
    }

    private static void release(Lookup lookup) {
        if (lookup instanceof Lookup.Found found) {
            found.open().release();
        }
    }

    private static void run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.waitFor(), String.join(" ", command) + ": " + output);
    }
}
