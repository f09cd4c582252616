package dev.zeroedge.files;

import dev.zeroedge.server.ServerConfig;
import dev.zeroedge.server.ZeroedgeServer;
import dev.zeroedge.testing.LeakRecorder;
import dev.zeroedge.testing.RawHttp;
import dev.zeroedge.testing.RawHttp.Response;
import dev.zeroedge.transport.Transport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The open-file cache seen from outside, over real sockets and files, in every mode (one small subclass
 * per transport, as the HTTP behaviour suite): what it keeps open after a file is deleted, how many
 * descriptors the spellings of one file cost, and which validators go with the bytes of a file rewritten
 * in place. Inline bodies have their default, so small files are held and large ones are sent from their
 * descriptor by the mode's own path; the server's descriptors are this JVM's ({@code /proc/self/fd}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class OpenFileCacheSuite {

    /** The transport under test. */
    protected abstract Transport transport();

    @TempDir
    Path temp;

    private Path root;
    private ZeroedgeServer server;

    private ZeroedgeServer start(Duration valid, Duration inactive) throws IOException {
        root = temp.toRealPath();
        ServerConfig config = ServerConfig.of(root, new InetSocketAddress("127.0.0.1", 0))
                .withGracePeriod(Duration.ofSeconds(1))
                .withOpenFileCache(64, valid)
                .withOpenFileCacheInactive(inactive);
        server = ZeroedgeServer.start(config, transport());
        return server;
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.shutdown(Duration.ofSeconds(1));
            server = null;
        }
    }

    @AfterAll
    void nothingLeaked() throws InterruptedException {
        assertTrue(LeakRecorder.installed(), "leak recorder not installed at PARANOID in this JVM");
        assertEquals(List.of(), LeakRecorder.collect(), "Netty buffers leaked");
    }

    private static byte[] pattern(int length, int seed) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (i * 31 + i / 251 + seed);
        }
        return bytes;
    }

    private Response get(String target) throws IOException {
        try (RawHttp http = new RawHttp(server.port())) {
            return http.exchange("GET " + target + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
        }
    }

    /** The descriptors of this JVM that name {@code file} (the kernel appends " (deleted)" once it is unlinked). */
    private static List<String> descriptorsOf(Path file) throws IOException {
        String name = file.toString();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.flatMap(fd -> {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    return target.equals(name) || target.equals(name + " (deleted)")
                            ? Stream.of(fd.getFileName() + " -> " + target) : Stream.empty();
                } catch (IOException gone) {
                    return Stream.empty();
                }
            }).toList();
        }
    }

    /** Waits until {@code deadline} (nanoTime) for this JVM to hold no descriptor of {@code file}; returns the rest. */
    private static List<String> awaitNoDescriptorOf(Path file, long deadline) throws Exception {
        List<String> left = descriptorsOf(file);
        while (!left.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
            left = descriptorsOf(file);
        }
        return left;
    }

    /** The ETag starts with the length in hex: the body sent must have that length. */
    private static void assertValidatorsDescribe(byte[] expected, Response r) {
        assertEquals("HTTP/1.1 200 OK", r.statusLine());
        assertEquals(Integer.toString(expected.length), r.header("Content-Length"));
        String etag = r.header("ETag");
        assertEquals(expected.length, Long.parseLong(etag.substring(1, etag.indexOf('-')), 16), "ETag " + etag);
        assertArrayEquals(expected, r.body());
    }

    @Test
    void deletedFilesAreClosedOnceInactiveWhetherOrNotAnyoneAsksAgain() throws Exception {
        start(Duration.ofSeconds(60), Duration.ofSeconds(1));
        Path held = root.resolve("seg-1.ts");
        Path sent = root.resolve("seg-2.ts");
        Files.write(held, pattern(1000, 1));
        Files.write(sent, pattern(300_000, 2));
        assertArrayEquals(pattern(1000, 1), get("/seg-1.ts").body());
        assertEquals(1, descriptorsOf(held).size(), "cached: " + descriptorsOf(held));
        assertArrayEquals(pattern(300_000, 2), get("/seg-2.ts").body());
        assertEquals(1, descriptorsOf(sent).size(), "cached: " + descriptorsOf(sent));

        Files.delete(held);
        Files.delete(sent);
        // Inactive after 1 s; Caffeine's scheduler runs expiry up to about a second after it is due, and
        // paces its runs a second apart: the two may go in two runs.
        long deadline = System.nanoTime() + Duration.ofSeconds(8).toNanos();
        assertEquals(List.of(), awaitNoDescriptorOf(held, deadline));
        assertEquals(List.of(), awaitNoDescriptorOf(sent, deadline));
    }

    @Test
    void aReloadedInactiveTimeClosesDeletedFilesByTheNewTime() throws Exception {
        start(Duration.ofSeconds(60), Duration.ofSeconds(60));
        Path file = root.resolve("seg-3.ts");
        Files.write(file, pattern(300_000, 8));
        assertArrayEquals(pattern(300_000, 8), get("/seg-3.ts").body());
        assertEquals(1, descriptorsOf(file).size(), "cached: " + descriptorsOf(file));
        Files.delete(file);
        // What a SIGHUP with open-file-cache-inactive: 1s does; the sweep is rescheduled to a quarter of it.
        server.reconfigure(server.config().withOpenFileCacheInactive(Duration.ofSeconds(1)));
        assertEquals(Duration.ofSeconds(1), server.config().openFileCacheInactive());
        // Well under the 60 s it started with: only the new time can close it this soon.
        assertEquals(List.of(), awaitNoDescriptorOf(file, System.nanoTime() + Duration.ofSeconds(8).toNanos()));
    }

    @Test
    void everySpellingOfOneFileSharesOneDescriptor() throws Exception {
        start(Duration.ofSeconds(60), Duration.ofSeconds(60));
        byte[] bytes = pattern(20_000, 3);
        Path file = root.resolve("a.txt");
        Files.write(file, bytes);
        Files.createDirectory(root.resolve("dir"));
        Files.createSymbolicLink(root.resolve("link-in"), Path.of("a.txt"));
        List<String> spellings = List.of("/a.txt", "/%61.txt", "//a.txt", "/./a.txt", "/dir/../a.txt",
                "/link-in", "http://h/a.txt");
        String etag = null;
        for (String target : spellings) {
            Response r = get(target);
            assertValidatorsDescribe(bytes, r);
            if (etag == null) {
                etag = r.header("ETag");
            }
            assertEquals(etag, r.header("ETag"), target);
        }
        // A spelling not cached yet is looked up and opened anew; that descriptor, found to be the cached file's
        // (same device and inode), is closed off the loop a moment after its response: it is the one kept that counts.
        List<String> held = descriptorsOf(file);
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (held.size() > 1 && System.nanoTime() < deadline) {
            Thread.sleep(20);
            held = descriptorsOf(file);
        }
        assertEquals(1, held.size(), "descriptors of a.txt: " + held);
    }

    @Test
    void fileRewrittenInPlaceWithTheSameLengthGoesOutUnderItsNewValidators() throws Exception {
        // Trusted for a minute: only a look at the descriptor itself can tell that the bytes changed.
        start(Duration.ofSeconds(60), Duration.ofSeconds(60));
        Path file = root.resolve("video.mp4");
        byte[] before = pattern(300_000, 4);
        byte[] after = pattern(300_000, 5);
        Files.write(file, before);
        Response first = get("/video.mp4");
        assertValidatorsDescribe(before, first);
        Thread.sleep(20); // past the file system's timestamp granularity, as any real rewrite is
        Files.write(file, after); // what cp does: same inode, truncated and written again
        Response rewritten = get("/video.mp4");
        assertValidatorsDescribe(after, rewritten);
        assertNotEquals(first.header("ETag"), rewritten.header("ETag"), "new bytes need a new ETag");
        assertEquals(rewritten.header("ETag"), get("/video.mp4").header("ETag"), "and it is cached again");
    }

    @Test
    void fileGrownInPlaceGoesOutWhole() throws Exception {
        start(Duration.ofSeconds(60), Duration.ofSeconds(60));
        Path file = root.resolve("growing.bin");
        byte[] before = pattern(300_000, 6);
        byte[] after = pattern(400_000, 7);
        Files.write(file, before);
        Response first = get("/growing.bin");
        assertValidatorsDescribe(before, first);
        Thread.sleep(20);
        Files.write(file, after);
        Response grown = get("/growing.bin");
        assertValidatorsDescribe(after, grown);
        assertNotEquals(first.header("ETag"), grown.header("ETag"));
    }

    @Test
    void fileDeletedWhileCachedIsNotFoundAtOnce() throws Exception {
        start(Duration.ofSeconds(60), Duration.ofSeconds(60));
        Path file = root.resolve("gone.bin");
        Files.write(file, pattern(300_000, 8));
        assertArrayEquals(pattern(300_000, 8), get("/gone.bin").body());
        Files.delete(file);
        assertEquals("HTTP/1.1 404 Not Found", get("/gone.bin").statusLine());
        // Released on Caffeine's executor as the entry goes, not after 60 s of inactivity.
        assertEquals(List.of(), awaitNoDescriptorOf(file, System.nanoTime() + Duration.ofSeconds(2).toNanos()));
    }
}
