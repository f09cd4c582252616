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
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Several cache directories ({@link CacheDirectories}): objects spread over them by hash, and one of them, a tmpfs,
 * unmounted under the running server ({@code umount -l}: the path then names the empty directory under the mount
 * point, as an unmounted disk leaves it). The server keeps answering every request with the origin's bytes, takes
 * the directory out of service, and stores its objects in the other one. Once (nio-sendfile): what is tested is
 * the cache's directories, not the mode's sender.
 */
class CacheDirectoriesTest {

    private static final int OBJECTS = 24;

    private Path work;
    private ZeroedgeServer origin;
    private final List<AutoCloseable> running = new ArrayList<>();
    private volatile EdgeCache lastCache;
    private final Map<String, byte[]> bodies = new LinkedHashMap<>();

    @BeforeEach
    void startOrigin() throws IOException {
        work = Files.createTempDirectory("zeroedge-dirs");
        Path root = Files.createDirectory(work.resolve("origin"));
        for (int i = 0; i < OBJECTS; i++) {
            byte[] body = new byte[20_000 + i];
            for (int b = 0; b < body.length; b++) {
                body[b] = (byte) (b * (i + 3) + b / 97);
            }
            String name = "o" + i + ".bin";
            Files.write(root.resolve(name), body);
            Files.setLastModifiedTime(root.resolve(name), FileTime.from(Instant.now().minus(Duration.ofDays(10))));
            bodies.put("/" + name, body);
        }
        origin = ZeroedgeServer.start(ServerConfig.of(root, new InetSocketAddress("127.0.0.1", 0))
                .withEventLoops(1).withGracePeriod(Duration.ofSeconds(1)), transport());
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable closeable : running.reversed()) {
            closeable.close();
        }
        origin.shutdown(Duration.ofSeconds(1));
        try (Stream<Path> walk = Files.walk(work)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
        assertEquals(List.of(), LeakRecorder.collect(), "Netty buffers leaked");
    }

    private static Transport transport() {
        return Transports.load().require(Mode.NIO_SENDFILE);
    }

    private ZeroedgeServer cache(List<Path> dirs) throws IOException {
        CacheConfig config = CacheConfig.of("http://127.0.0.1:" + origin.port(), dirs.getFirst())
                .withDirectories(dirs)
                .withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(5));
        Transport transport = transport();
        ZeroedgeServer server = ZeroedgeServer.start(ServerConfig.of(dirs.getFirst(),
                        new InetSocketAddress("127.0.0.1", 0)).withInlineBodyMax(0).withEventLoops(2)
                        .withGracePeriod(Duration.ofSeconds(1)),
                transport, (c, opener, pool) -> lastCache = EdgeCache.open(config, transport, pool, false));
        running.add(() -> server.shutdown(Duration.ofSeconds(1)));
        return server;
    }

    /** A tmpfs mounted on a new directory (the test runs as root), unmounted lazily after the test if still there. */
    private Path tmpfs() throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory(work, "tmpfs");
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", dir.toString())
                .redirectErrorStream(true).start();
        String said = new String(mount.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        Assumptions.assumeTrue(mount.waitFor() == 0, "cannot mount a tmpfs (needs root): " + said);
        running.addFirst(() -> umount(dir)); // after the cache has stopped
        return dir;
    }

    private static void umount(Path dir) throws IOException, InterruptedException {
        new ProcessBuilder("umount", "-l", dir.toString()).redirectErrorStream(true).start().waitFor();
    }

    private static Response get(ZeroedgeServer server, String path) throws IOException {
        try (RawHttp http = new RawHttp(server.port())) {
            return http.exchange("GET " + path + " HTTP/1.1\r\nHost: edge.test\r\n\r\n");
        }
    }

    /** Every object asked once: 200 and the origin's bytes; returns the Cache-Status of each. */
    private List<String> askAll(ZeroedgeServer cache) throws IOException {
        List<String> statuses = new ArrayList<>();
        for (Map.Entry<String, byte[]> object : bodies.entrySet()) {
            Response response = get(cache, object.getKey());
            assertEquals("HTTP/1.1 200 OK", response.statusLine(), object.getKey());
            assertArrayEquals(object.getValue(), response.body(), object.getKey());
            statuses.add(response.header("Cache-Status"));
        }
        return statuses;
    }

    /** The hashes of the objects committed in {@code dir} (metadata files, not in tmp/ or quarantine/). */
    private static Set<String> committed(Path dir) throws IOException {
        while (true) {
            try (Stream<Path> walk = Files.walk(dir)) {
                Set<String> hashes = new HashSet<>();
                walk.filter(p -> p.getFileName().toString().endsWith(".meta"))
                        .filter(p -> !p.startsWith(dir.resolve("tmp")) && !p.startsWith(dir.resolve("quarantine")))
                        .forEach(p -> hashes.add(p.getFileName().toString().replace(".meta", "")));
                return hashes;
            } catch (UncheckedIOException vanished) {
                // a commit renamed a file during the walk: walked again
            }
        }
    }

    private static void eventually(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "not within 20 s: " + what);
            Thread.sleep(10);
        }
    }

    @Test
    void anUnmountedDirectoryIsTakenOutAndTheNodeKeepsServingFromTheOtherAndTheOrigin() throws Exception {
        Path plain = Files.createDirectory(work.resolve("plain"));
        Path disk = tmpfs();
        ZeroedgeServer cache = cache(List.of(plain, disk));
        EdgeCache edge = lastCache;
        assertEquals(2, edge.directoriesInService());

        assertTrue(askAll(cache).stream().allMatch("zeroedge; fwd=miss; stored"::equals));
        eventually(() -> {
            try {
                return committed(plain).size() + committed(disk).size() == OBJECTS;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, "every object committed in one of the two directories");
        Set<String> onDisk = committed(disk);
        // 24 keys over two directories: all in one would happen once in 2^23 runs.
        assertFalse(onDisk.isEmpty(), "some objects placed on the tmpfs");
        assertFalse(committed(plain).isEmpty(), "some objects placed on the plain directory");
        assertEquals(Set.of(), intersection(onDisk, committed(plain)), "each object in one directory only");
        assertTrue(askAll(cache).stream().allMatch("zeroedge; hit"::equals));
        long asked = origin.counters().responses();

        umount(disk); // the disk goes away under the running server
        // Meanwhile and after: every request 200 with the origin's bytes (hits of the plain directory, the tmpfs's
        // objects fetched again: passed through or stored in the plain directory once the tmpfs is out).
        askAll(cache);
        // The count drops once the index has forgotten the tmpfs's objects (until then one may still be a hit).
        eventually(() -> edge.directoriesInService() == 1, "the unmounted directory taken out of service");
        assertEquals(Map.of(plain.toRealPath(), true, disk.toRealPath(), false), edge.directoryStates());
        List<String> after = askAll(cache);
        // A client of a fill is answered while the fill still commits: asked again before that ends, an object is
        // the fill's again (fwd=miss; collapsed), not a hit.
        eventually(() -> edge.fillsUnderWay() == 0, "the refetches' fills ended");
        List<String> again = askAll(cache);
        assertTrue(again.stream().allMatch("zeroedge; hit"::equals), again + " after " + after);
        eventually(() -> {
            try {
                return committed(plain).size() == OBJECTS;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, "the tmpfs's objects stored in the plain directory");
        long refetched = origin.counters().responses() - asked;
        assertTrue(refetched >= onDisk.size() && refetched <= 2L * onDisk.size(),
                "the origin asked for the tmpfs's objects (once, or twice when the first came before the takeout): "
                        + refetched + " for " + onDisk.size() + "; " + after);
        assertFalse(Files.exists(disk.resolve("tmp")), "nothing written under the mount point meanwhile");
    }

    private static Set<String> intersection(Set<String> a, Set<String> b) {
        Set<String> both = new HashSet<>(a);
        both.retainAll(b);
        return both;
    }
}
