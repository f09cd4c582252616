package dev.zeroedge.cache;

import dev.zeroedge.mode.Mode;
import dev.zeroedge.server.ServerConfig;
import dev.zeroedge.server.ZeroedgeServer;
import dev.zeroedge.testing.LeakRecorder;
import dev.zeroedge.testing.RawHttp;
import dev.zeroedge.testing.RawHttp.Response;
import dev.zeroedge.transport.Transport;
import dev.zeroedge.transport.Transports;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A restart of a cache with a few thousand objects, written by a first server: the second one serves at once,
 * while its index is still coming back. The scan is held before its first directory until the test lets it go
 * (a package-private hook: the FUSE harness mounts read-only, and a cache directory must be writable), so "asked
 * during the scan" is certain, not a matter of timing: a committed object is a hit without the origin being
 * asked, and an object never stored is a miss served from the origin as usual. Then the scan runs and the index
 * holds every object.
 *
 * <p>The recovery knows no mode (it runs on the file-system threads in every one), so one mode is enough here.
 */
class RecoveryWhileServingTest {

    private static final int OBJECTS = 2000;
    private static final int FILLERS = 8;

    private final List<AutoCloseable> running = new ArrayList<>();
    private Path work;

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable closeable : running.reversed()) {
            closeable.close();
        }
        running.clear();
        if (work != null) {
            try (Stream<Path> walk = Files.walk(work)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
        assertEquals(List.of(), LeakRecorder.collect(), "Netty buffers leaked");
    }

    private static String text(int i) {
        return "object " + i + "\n";
    }

    private ZeroedgeServer cache(Transport transport, CacheConfig config, EdgeCache[] source, Consumer<Path> beforeFan)
            throws IOException {
        ZeroedgeServer server = ZeroedgeServer.start(ServerConfig.of(config.directory(),
                        new InetSocketAddress("127.0.0.1", 0)).withEventLoops(2).withGracePeriod(Duration.ofSeconds(1)),
                transport, (c, opener, pool) -> source[0] = EdgeCache.open(config, transport,
                        pool, false, new CacheCounters(), beforeFan));
        running.add(() -> server.shutdown(Duration.ofSeconds(1)));
        return server;
    }

    private static Response get(RawHttp http, String path) throws IOException {
        return http.exchange("GET " + path + " HTTP/1.1\r\nHost: edge.test\r\n\r\n");
    }

    @Test
    void aRestartServesCommittedObjectsAsHitsWhileTheIndexIsStillComingBack() throws Exception {
        // In memory where the machine has it: four fsyncs per commit of a few thousand objects on a busy disk are
        // seconds this test is not about.
        Path shm = Path.of("/dev/shm");
        work = Files.isDirectory(shm) && Files.isWritable(shm) ? Files.createTempDirectory(shm, "zeroedge-recovery")
                : Files.createTempDirectory("zeroedge-recovery");
        Path root = Files.createDirectory(work.resolve("origin"));
        FileTime old = FileTime.from(Instant.now().minus(Duration.ofDays(10)));
        for (int i = 0; i < OBJECTS; i++) {
            Path file = root.resolve("o-" + i + ".txt");
            Files.writeString(file, text(i));
            Files.setLastModifiedTime(file, old); // heuristically fresh for a day
        }
        Files.writeString(root.resolve("never-cached.txt"), "fetched during the scan\n");
        Files.setLastModifiedTime(root.resolve("never-cached.txt"), old);
        Transport transport = Transports.load().require(Mode.NIO_SENDFILE);
        ZeroedgeServer origin = ZeroedgeServer.start(ServerConfig.of(root, new InetSocketAddress("127.0.0.1", 0))
                .withEventLoops(1).withGracePeriod(Duration.ofSeconds(1)), transport);
        running.add(() -> origin.shutdown(Duration.ofSeconds(1)));
        CacheConfig config = CacheConfig.of("http://127.0.0.1:" + origin.port(), work.resolve("cache"))
                .withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(5));

        // The first server fills the cache, over a few kept-alive connections (each commit waits for fsyncs).
        EdgeCache[] first = new EdgeCache[1];
        ZeroedgeServer filler = cache(transport, config, first, fan -> {
        });
        List<Thread> fillers = new ArrayList<>();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        for (int t = 0; t < FILLERS; t++) {
            int from = t;
            fillers.add(Thread.ofPlatform().start(() -> {
                try (RawHttp http = new RawHttp(filler.port())) {
                    for (int i = from; i < OBJECTS; i += FILLERS) {
                        assertEquals("zeroedge; fwd=miss; stored", get(http, "/o-" + i + ".txt")
                                .header("Cache-Status"));
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }));
        }
        for (Thread thread : fillers) {
            thread.join();
        }
        assertEquals(List.of(), List.copyOf(failures));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (first[0].objects() < OBJECTS && System.nanoTime() < deadline) {
            Thread.sleep(10); // each commit lands a moment after its client has the body
        }
        assertEquals(OBJECTS, first[0].objects());
        filler.shutdown(Duration.ofSeconds(1));
        long originAnswered = origin.counters().responses();

        // The second server on the same directory, its scan held before the first directory.
        CountDownLatch letGo = new CountDownLatch(1);
        AtomicInteger scansStarted = new AtomicInteger();
        EdgeCache[] second = new EdgeCache[1];
        ZeroedgeServer restarted = cache(transport, config, second, fan -> {
            scansStarted.incrementAndGet();
            try {
                letGo.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        running.add(letGo::countDown); // never leave the file-system threads held, whatever fails
        try (RawHttp http = new RawHttp(restarted.port())) {
            for (int i : new int[] {1234, 0, OBJECTS - 1}) {
                Response hit = get(http, "/o-" + i + ".txt");
                assertEquals(200, hit.status());
                assertEquals("zeroedge; hit", hit.header("Cache-Status"), "object " + i);
                assertEquals(text(i), new String(hit.body(), StandardCharsets.ISO_8859_1));
            }
            Response miss = get(http, "/never-cached.txt");
            assertEquals("zeroedge; fwd=miss; stored", miss.header("Cache-Status"));
            assertEquals("fetched during the scan\n", miss.bodyText());
        }
        assertFalse(second[0].recovered().isDone(), "the scan is still held");
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (second[0].objects() < 4 && System.nanoTime() < deadline) {
            Thread.sleep(10); // the object fetched commits a moment after its client has it
        }
        assertEquals(4, second[0].objects(), "only the objects asked for are indexed yet");
        assertEquals(1, origin.counters().responses() - originAnswered, "only the object never cached was fetched");

        letGo.countDown();
        int found = second[0].recovered().get(60, TimeUnit.SECONDS);
        assertTrue(scansStarted.get() > 0);
        // The scan goes through the directories there were at the start: the object committed while it was held
        // is found again only if its directory held one of the others already (it is in the index anyway).
        assertTrue(found == OBJECTS || found == OBJECTS + 1, found + " objects found");
        assertEquals(OBJECTS + 1, second[0].objects());
        try (RawHttp http = new RawHttp(restarted.port())) {
            assertEquals("zeroedge; hit", get(http, "/o-777.txt").header("Cache-Status"));
        }
        assertEquals(1, origin.counters().responses() - originAnswered, "nothing fetched again");
    }
}
