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
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A full disk never fails a request, slices included, and what slice fetches do is counted: an object in slices
 * larger than a small tmpfs (mounted by the test) is passed through whole, and the counts of slice fetches by
 * outcome and of their bytes move by exactly a known sequence of requests. One mode: the cache's logic, not the
 * sender's.
 */
class FullDiskTest {

    private static final int SLICE = 64 * 1024;

    private Path work;
    private final List<AutoCloseable> running = new ArrayList<>();
    private EdgeCache cache;
    private final Transport transport = Transports.load().require(Mode.NIO_SENDFILE);

    @BeforeEach
    void work() throws IOException {
        work = Files.createTempDirectory("zeroedge-full-disk");
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable closeable : running.reversed()) {
            closeable.close();
        }
        running.clear();
        try (Stream<Path> walk = Files.walk(work)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
        assertEquals(List.of(), LeakRecorder.collect(), "Netty buffers leaked");
    }

    static byte[] bytes(int length, int seed) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (i * seed + i / 251);
        }
        return b;
    }

    /** A tmpfs of {@code options} on a new directory, unmounted after the test once its cache has stopped. */
    private Path smallDisk(String options) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory(work, "tmpfs");
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", options, "tmpfs", dir.toString())
                .redirectErrorStream(true).start();
        String said = new String(mount.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        Assumptions.assumeTrue(mount.waitFor() == 0, "cannot mount a tmpfs (needs root): " + said);
        running.addFirst(() -> new ProcessBuilder("umount", "-l", dir.toString()).start().waitFor());
        return dir;
    }

    private ZeroedgeServer start(ScriptedOrigin origin, Path dir, UnaryOperator<CacheConfig> tuning)
            throws IOException {
        CacheConfig config = tuning.apply(CacheConfig.of("http://127.0.0.1:" + origin.port(), dir)
                .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(5))
                .withMinFree(CacheConfig.MinFree.bytes(0)));
        EdgeCache[] source = new EdgeCache[1];
        ZeroedgeServer server = ZeroedgeServer.start(ServerConfig.of(work, new InetSocketAddress("127.0.0.1", 0))
                        .withInlineBodyMax(0).withMaxSlice(SLICE).withEventLoops(2)
                        .withGracePeriod(Duration.ofSeconds(1)), transport,
                (c, opener, pool) -> source[0] = EdgeCache.open(config, transport, pool, false));
        running.add(() -> server.shutdown(Duration.ofSeconds(1)));
        cache = source[0];
        return server;
    }

    private ScriptedOrigin origin(ScriptedOrigin.Script script) throws IOException {
        ScriptedOrigin origin = new ScriptedOrigin(script);
        running.add(origin);
        return origin;
    }

    /**
     * Answers a GET of {@code body} as a static origin does: a {@code Range: bytes=A-B} with a 206 of those bytes,
     * else a 200; {@code etag} names the version.
     */
    static void serve(String head, OutputStream out, byte[] body, String etag) throws IOException {
        String range = ScriptedOrigin.field(head, "Range");
        if (range == null) {
            out.write(ScriptedOrigin.head("200 OK", "Content-Length: " + body.length, "Cache-Control: max-age=60",
                    "ETag: " + etag));
            out.write(body);
            return;
        }
        String[] bounds = range.substring("bytes=".length()).split("-");
        int first = Integer.parseInt(bounds[0]);
        int last = Math.min(body.length - 1, Integer.parseInt(bounds[1]));
        out.write(ScriptedOrigin.head("206 Partial Content", "Content-Length: " + (last - first + 1),
                "Content-Range: bytes " + first + "-" + last + "/" + body.length, "Cache-Control: max-age=60",
                "ETag: " + etag));
        out.write(body, first, last - first + 1);
    }

    private static Response get(ZeroedgeServer server, String path) throws IOException {
        try (RawHttp http = new RawHttp(server.port())) {
            return http.exchange("GET " + path + " HTTP/1.1\r\nHost: edge.test\r\n\r\n");
        }
    }

    private static void eventually(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "within 10 s: " + what);
            Thread.sleep(10);
        }
    }

    private static List<Path> files(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.toList();
        }
    }

    @Test
    void anObjectInSlicesLargerThanTheFreeSpaceIsPassedThroughWholeAndCounted() throws Exception {
        Path disk = smallDisk("size=1m");
        byte[] body = bytes(1_500_000, 13);
        ScriptedOrigin origin = origin((head, out, socket) -> {
            serve(head, out, body, "\"v1\"");
            return true;
        });
        Path dir = Files.createDirectory(disk.resolve("cache"));
        ZeroedgeServer server = start(origin, dir, c -> c.withSliceSize(SLICE));

        Response whole = get(server, "/movie.mp4");
        assertEquals("HTTP/1.1 200 OK", whole.statusLine());
        assertEquals("1500000", whole.header("Content-Length"));
        assertEquals("zeroedge; fwd=miss; detail=no-space", whole.header("Cache-Status"));
        assertArrayEquals(body, whole.body());
        // The first slice told the length; the whole object was asked again without Range and relayed.
        assertEquals(List.of("bytes=0-65535", "-"), origin.heads().stream()
                .map(h -> ScriptedOrigin.field(h, "Range") == null ? "-" : ScriptedOrigin.field(h, "Range")).toList());
        CacheCounters.Counts counts = cache.counts();
        assertEquals(1, counts.passedThrough(CacheCounters.PassThroughKind.SLICE));
        assertEquals(0, counts.passedThrough(CacheCounters.PassThroughKind.WHOLE));
        assertEquals(0, counts.passedThrough(CacheCounters.PassThroughKind.MID_FILL));
        assertEquals(1, cache.passedThrough());
        assertEquals(0, counts.sliceFetches(CacheCounters.SliceOutcome.COMMITTED), "no slice was written");
        assertEquals(0, cache.objects());
        assertEquals(List.of(), files(dir.resolve("tmp")));

        // An object in slices that fits is stored as before, its blocks claimed when it is made.
        byte[] fits = Arrays.copyOf(body, 200_000);
        origin.script((head, out, socket) -> {
            serve(head, out, fits, "\"v2\"");
            return true;
        });
        Response stored = get(server, "/fits.mp4");
        assertEquals("zeroedge; fwd=miss; stored", stored.header("Cache-Status"));
        assertArrayEquals(fits, stored.body());
        eventually(() -> cache.counts().sliceFetches(CacheCounters.SliceOutcome.COMMITTED) == 4,
                "four slices committed");
        Response hit = get(server, "/fits.mp4");
        assertEquals("zeroedge; hit", hit.header("Cache-Status"));
        assertArrayEquals(fits, hit.body());
        assertEquals(1, cache.passedThrough());
    }

    @Test
    void sliceFetchesAreCountedByOutcomeWithTheirBytes() throws Exception {
        byte[] body = bytes(3 * SLICE - 16_000, 17); // two whole slices and a shorter last one
        ScriptedOrigin origin = origin((head, out, socket) -> {
            String range = ScriptedOrigin.field(head, "Range");
            boolean first = range != null && range.startsWith("bytes=0-");
            if (head.startsWith("GET /changes ")) {
                serve(head, out, body, first ? "\"old\"" : "\"new\""); // a new version after the first slice
            } else if (head.startsWith("GET /breaks ") && !first) {
                out.write(ScriptedOrigin.head("503 Service Unavailable", "Content-Length: 0"));
            } else {
                serve(head, out, body, "\"v\"");
            }
            return true;
        });
        ZeroedgeServer server = start(origin, work.resolve("cache"), c -> c.withSliceSize(SLICE));

        assertArrayEquals(body, get(server, "/whole").body());
        eventually(() -> cache.counts().sliceFetches(CacheCounters.SliceOutcome.COMMITTED) == 3,
                "three slices, three fetches");
        assertEquals("zeroedge; hit", get(server, "/whole").header("Cache-Status"));
        for (String path : List.of("/changes", "/breaks")) {
            try (RawHttp http = new RawHttp(server.port())) {
                Response head = http.send("GET " + path + " HTTP/1.1\r\nHost: edge.test\r\n\r\n").readHead();
                assertEquals("HTTP/1.1 200 OK", head.statusLine());
                byte[] got = http.input().readAllBytes();
                assertArrayEquals(Arrays.copyOf(body, SLICE), got, path + ": its first slice, then closed");
            }
        }
        eventually(() -> cache.counts().sliceFetches(CacheCounters.SliceOutcome.FAILED) == 1, "the 503");
        CacheCounters.Counts counts = cache.counts();
        assertEquals(5, counts.sliceFetches(CacheCounters.SliceOutcome.COMMITTED),
                "three of /whole, the first slices of the other two");
        assertEquals(1, counts.sliceFetches(CacheCounters.SliceOutcome.CHANGED), "/changes' second slice");
        assertEquals(1, counts.sliceFetches(CacheCounters.SliceOutcome.FAILED), "/breaks' second slice");
        assertEquals(body.length + 2L * SLICE, counts.sliceOriginBytes());
        assertEquals(7, origin.requests());
        assertEquals(0, cache.passedThrough());
    }

    /** Reads a chunked body to its last chunk (and the empty trailer), failing on any framing error. */
    static byte[] chunkedBody(RawHttp http) throws IOException {
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        while (true) {
            int size = Integer.parseInt(http.readLine(), 16);
            if (size == 0) {
                assertEquals("", http.readLine(), "the last chunk, no trailer");
                return body.toByteArray();
            }
            byte[] chunk = http.input().readNBytes(size);
            assertEquals(size, chunk.length, "a whole chunk");
            body.write(chunk);
            assertEquals("", http.readLine(), "CRLF after a chunk");
        }
    }
    @Test
    void aChunkedFillThatMeetsAFullDiskWithNothingToEvictRelaysTheRestToEveryClient() throws Exception {
        // 3 MiB of disk for 7 MiB of body: the window moves twice (2 MiB steps, FullDiskRelay.STEP).
        Path disk = smallDisk("size=3m");
        byte[] live = bytes(7 * 1024 * 1024, 23);
        java.util.concurrent.CountDownLatch joined = new java.util.concurrent.CountDownLatch(1);
        ScriptedOrigin origin = origin((head, out, socket) -> {
            if (head.startsWith("GET /next ")) {
                serve(head, out, Arrays.copyOf(live, 100_000), "\"n\"");
                return true;
            }
            out.write(ScriptedOrigin.head("200 OK", "Transfer-Encoding: chunked", "Cache-Control: max-age=60"));
            for (int at = 0; at < live.length; at += SLICE) {
                out.write((Integer.toHexString(SLICE) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(live, at, SLICE);
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                if (at == 0) {
                    out.flush();
                    joined.await(); // until both clients have their heads
                }
            }
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            return true;
        });
        Path dir = Files.createDirectory(disk.resolve("cache"));
        ZeroedgeServer server = start(origin, dir, c -> c);
        try (RawHttp owner = new RawHttp(server.port()); RawHttp joiner = new RawHttp(server.port())) {
            Response first = owner.send("GET /live HTTP/1.1\r\nHost: edge.test\r\n\r\n").readHead();
            assertEquals("zeroedge; fwd=miss; stored", first.header("Cache-Status"));
            Response second = joiner.send("GET /live HTTP/1.1\r\nHost: edge.test\r\n\r\n").readHead();
            assertEquals("zeroedge; fwd=miss; collapsed", second.header("Cache-Status"));
            assertEquals("chunked", second.header("Transfer-Encoding"));
            joined.countDown();
            java.util.concurrent.CompletableFuture<byte[]> other = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> {
                        try {
                            return chunkedBody(joiner);
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    });
            assertArrayEquals(live, chunkedBody(owner), "the owner: every byte, properly terminated");
            assertArrayEquals(live, other.get(10, TimeUnit.SECONDS), "the joiner too");
        }
        assertEquals(1, cache.counts().passedThrough(CacheCounters.PassThroughKind.MID_FILL));
        assertEquals(1, cache.passedThrough());
        eventually(() -> {
            try {
                return files(dir.resolve("tmp")).isEmpty();
            } catch (IOException e) {
                return false;
            }
        }, "the relayed fill's file deleted");
        assertEquals(0, cache.objects(), "nothing stored");

        // The disk has its room again: the next object fills and is stored as any, once the cache's figure of the
        // free space is read again (within a second: the clients' descriptors of the deleted file close after
        // their last byte, so the figure read at its deletion may still count it). Meanwhile it is passed through.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            Response next = get(server, "/next");
            assertArrayEquals(Arrays.copyOf(live, 100_000), next.body());
            if (next.header("Cache-Status").equals("zeroedge; fwd=miss; stored")) {
                break;
            }
            assertEquals("zeroedge; fwd=miss; detail=no-space", next.header("Cache-Status"));
            assertTrue(System.nanoTime() < deadline, "the next object stored within 10 s");
            Thread.sleep(100);
        }
        eventually(() -> cache.objects() == 1, "the next object stored");
        assertEquals("zeroedge; hit", get(server, "/next").header("Cache-Status"));
        assertEquals(1, cache.counts().passedThrough(CacheCounters.PassThroughKind.MID_FILL), "one relay");
    }
}
