package dev.zeroedge.cache;

import dev.zeroedge.mode.Mode;
import dev.zeroedge.server.ServerConfig;
import dev.zeroedge.server.ZeroedgeServer;
import dev.zeroedge.testing.LeakRecorder;
import dev.zeroedge.testing.RawHttp;
import dev.zeroedge.testing.RawHttp.Response;
import dev.zeroedge.transport.Transport;
import dev.zeroedge.transport.Transports;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The edge cache end to end, over real sockets, in one mode per subclass: a zeroedge static server (in this
 * JVM, on another port) or a {@link ScriptedOrigin} is the origin, and a zeroedge with the cache as its content
 * source is asked. Inline bodies are off and slices are 64 KiB, so every body goes through the mode's own
 * sender, slice by slice, and a body that is still filling is sent as it grows.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class EdgeCacheSuite {

    private static final int SLICE = 64 * 1024;
    /** Three slices of 64 KiB: two whole ones and a shorter last one. */
    private static final int BIG = 180_000;

    private Path work;
    private Path originRoot;
    private ZeroedgeServer staticOrigin;
    private byte[] clip;
    private byte[] big;
    private final List<AutoCloseable> running = new ArrayList<>();
    /** The source of the cache server started last. */
    private volatile EdgeCache lastCache;

    protected abstract Transport transport();

    @BeforeAll
    void startOrigin() throws IOException {
        transport().availability().ensureAvailable();
        work = Files.createTempDirectory("zeroedge-cache-suite");
        originRoot = Files.createDirectory(work.resolve("origin"));
        clip = bytes(300_000, 7);
        Files.write(originRoot.resolve("clip.bin"), clip);
        big = bytes(BIG, 11);
        Files.write(originRoot.resolve("big.bin"), big);
        Files.writeString(originRoot.resolve("small.txt"), "small object\n");
        // Ten days old: heuristically fresh for a day (10 % of its age, capped), as the static server sends no
        // Cache-Control.
        for (String name : new String[] {"clip.bin", "small.txt", "big.bin"}) {
            Files.setLastModifiedTime(originRoot.resolve(name),
                    FileTime.from(Instant.now().minus(Duration.ofDays(10))));
        }
        staticOrigin = ZeroedgeServer.start(ServerConfig.of(originRoot, new InetSocketAddress("127.0.0.1", 0))
                .withEventLoops(1).withGracePeriod(Duration.ofSeconds(1)),
                Transports.load().require(Mode.NIO_SENDFILE));
    }

    @AfterEach
    void stopCaches() throws Exception {
        for (AutoCloseable closeable : running.reversed()) {
            closeable.close();
        }
        running.clear();
    }

    @AfterAll
    void stopOrigin() throws Exception {
        staticOrigin.shutdown(Duration.ofSeconds(1));
        try (Stream<Path> walk = Files.walk(work)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
        assertEquals(List.of(), LeakRecorder.collect(), "Netty buffers leaked");
    }

    private static byte[] bytes(int length, int seed) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (i * seed + i / 251);
        }
        return b;
    }

    private Path newCacheDir() throws IOException {
        return Files.createTempDirectory(work, "cache");
    }

    private ZeroedgeServer cache(int originPort, Path dir) throws IOException {
        return cache(originPort, dir, Duration.ofSeconds(5));
    }

    private ZeroedgeServer cache(int originPort, Path dir, Duration firstByte) throws IOException {
        return cache(originPort, dir, firstByte, CacheConfig.DEFAULT_MAX_SIZE);
    }

    private ZeroedgeServer cache(int originPort, Path dir, Duration firstByte, long maxSize) throws IOException {
        return cache(originPort, dir, firstByte, c -> c.withMaxSize(maxSize));
    }

    /** A cache whose objects over 64 KiB are in slices of 64 KiB. */
    private ZeroedgeServer slicedCache(int originPort, Path dir) throws IOException {
        return cache(originPort, dir, Duration.ofSeconds(5), c -> c.withSliceSize(SLICE));
    }

    private ZeroedgeServer cache(int originPort, Path dir, Duration firstByte, UnaryOperator<CacheConfig> adjust)
            throws IOException {
        Transport transport = transport();
        CacheConfig config = adjust.apply(CacheConfig.of("http://127.0.0.1:" + originPort, dir)
                .withTimeouts(Duration.ofSeconds(1), firstByte, Duration.ofSeconds(5)));
        ZeroedgeServer server = ZeroedgeServer.start(ServerConfig.of(dir, new InetSocketAddress("127.0.0.1", 0))
                        .withInlineBodyMax(0).withMaxSlice(64 * 1024).withEventLoops(2)
                        .withGracePeriod(Duration.ofSeconds(1)),
                transport, (c, opener, pool) -> lastCache = EdgeCache.open(config, transport, pool,
                        false));
        running.add(() -> server.shutdown(Duration.ofSeconds(1)));
        return server;
    }

    private ScriptedOrigin scripted(ScriptedOrigin.Script script) throws IOException {
        ScriptedOrigin origin = new ScriptedOrigin(script);
        running.add(origin);
        return origin;
    }

    private static Response get(ZeroedgeServer server, String path, String... fields) throws IOException {
        try (RawHttp http = new RawHttp(server.port())) {
            return http.exchange("GET " + path + " HTTP/1.1\r\nHost: edge.test\r\n"
                    + String.join("", Arrays.stream(fields).map(f -> f + "\r\n").toList()) + "\r\n");
        }
    }

    /** A port on which nothing listens (bound once, then closed). */
    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static List<Path> leftovers(Path cacheDir) throws IOException {
        try (Stream<Path> files = Files.list(cacheDir.resolve("tmp"))) {
            return files.toList();
        }
    }

    /** The temporary files of failed fills are deleted on a file-system thread: soon, not at once. */
    private static List<Path> leftoversAfterCleanup(Path cacheDir) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        List<Path> left = leftovers(cacheDir);
        while (!left.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
            left = leftovers(cacheDir);
        }
        return left;
    }

    @Test
    void missThenHitAsksTheOriginOnceAndAliasesShareTheObject() throws IOException {
        ZeroedgeServer cache = cache(staticOrigin.port(), newCacheDir());
        long before = staticOrigin.counters().responses();

        Response miss = get(cache, "/clip.bin");
        assertEquals("HTTP/1.1 200 OK", miss.statusLine());
        assertEquals("zeroedge; fwd=miss; stored", miss.header("Cache-Status"));
        assertEquals("0", miss.header("Age"));
        assertEquals("300000", miss.header("Content-Length"));
        assertNotNull(miss.header("Last-Modified"));
        assertArrayEquals(clip, miss.body());

        Response hit = get(cache, "/clip.bin");
        assertEquals("HTTP/1.1 200 OK", hit.statusLine());
        assertEquals("zeroedge; hit", hit.header("Cache-Status"));
        assertNotNull(hit.header("Age"));
        assertEquals(miss.header("ETag"), hit.header("ETag"));
        assertEquals(miss.header("Last-Modified"), hit.header("Last-Modified"));
        assertArrayEquals(clip, hit.body());

        // Other spellings of the same path are the same object.
        for (String alias : new String[] {"/%63lip.bin", "//clip.bin", "/x/../clip.bin", "/./clip.bin"}) {
            Response again = get(cache, alias);
            assertEquals("zeroedge; hit", again.header("Cache-Status"), alias);
            assertArrayEquals(clip, again.body(), alias);
        }
        assertEquals(1, staticOrigin.counters().responses() - before, "origin asked once");
    }

    @Test
    void hitsGetRangesConditionalsAndHeadFromTheLadder() throws IOException {
        ZeroedgeServer cache = cache(staticOrigin.port(), newCacheDir());
        Response miss = get(cache, "/clip.bin");
        assertEquals(200, miss.status());

        Response range = get(cache, "/clip.bin", "Range: bytes=1000-1999");
        assertEquals("HTTP/1.1 206 Partial Content", range.statusLine());
        assertEquals("bytes 1000-1999/300000", range.header("Content-Range"));
        assertEquals("zeroedge; hit", range.header("Cache-Status"));
        assertArrayEquals(Arrays.copyOfRange(clip, 1000, 2000), range.body());

        Response unsatisfiable = get(cache, "/clip.bin", "Range: bytes=999999-");
        assertEquals("HTTP/1.1 416 Range Not Satisfiable", unsatisfiable.statusLine());
        assertEquals("bytes */300000", unsatisfiable.header("Content-Range"));
        assertEquals("zeroedge; hit", unsatisfiable.header("Cache-Status"));

        Response notModified = get(cache, "/clip.bin", "If-None-Match: " + miss.header("ETag"));
        assertEquals("HTTP/1.1 304 Not Modified", notModified.statusLine());
        assertEquals("zeroedge; hit", notModified.header("Cache-Status"));
        assertEquals(0, notModified.body().length);

        try (RawHttp http = new RawHttp(cache.port())) {
            Response head = http.send("HEAD /clip.bin HTTP/1.1\r\nHost: edge.test\r\n\r\n").readHead();
            assertEquals(200, head.status());
            assertEquals("300000", head.header("Content-Length"));
            assertEquals("zeroedge; hit", head.header("Cache-Status"));
            Response next = http.exchange("GET /small.txt HTTP/1.1\r\nHost: edge.test\r\n\r\n");
            assertEquals("small object\n", next.bodyText());
        }
    }

    @Test
    void theOriginIsAskedForTheObjectWithItsAuthorityForwardedForAndViaAndNoHopByHopFields() throws Exception {
        byte[] body = "hello".getBytes(StandardCharsets.US_ASCII);
        ScriptedOrigin origin = scripted((head, out, socket) -> {
            out.write(ScriptedOrigin.head("200 OK", "Content-Length: 5", "Cache-Control: max-age=60",
                    "Connection: keep-alive, X-Hop", "X-Hop: secret", "Keep-Alive: timeout=5", "X-End: kept",
                    "Content-Type: text/plain"));
            out.write(body);
            return true;
        });
        ZeroedgeServer cache = cache(origin.port(), newCacheDir());
        Response r = get(cache, "/a/%62.txt?q=1", "Connection: X-Private", "X-Private: 1", "Range: bytes=0-1",
                "X-Forwarded-For: 10.0.0.9", "Accept: text/plain");
        assertEquals(206, r.status());
        assertEquals("he", r.bodyText());
        assertEquals("kept", r.header("X-End"));
        assertNull(r.header("X-Hop"));
        assertNull(r.header("Keep-Alive"));
        assertEquals("1.1 zeroedge", r.header("Via"));

        String asked = origin.heads().getFirst();
        assertTrue(asked.startsWith("GET /a/b.txt?q=1 HTTP/1.1\r\n"), asked);
        assertTrue(asked.contains("\r\nhost: 127.0.0.1:" + origin.port() + "\r\n")
                || asked.contains("\r\nHost: 127.0.0.1:" + origin.port() + "\r\n"), asked);
        assertTrue(asked.toLowerCase().contains("\r\nx-forwarded-for: 10.0.0.9, 127.0.0.1\r\n"), asked);
        assertTrue(asked.toLowerCase().contains("\r\nvia: 1.1 zeroedge\r\n"), asked);
        assertTrue(asked.toLowerCase().contains("\r\naccept: text/plain\r\n"), asked);
        assertFalse(asked.toLowerCase().contains("x-private"), asked);
        // Not the client's range: the slice that holds its first byte (a small object comes whole all the same).
        assertTrue(asked.toLowerCase().contains("\r\nrange: bytes=0-4194303\r\n"), asked);
        assertFalse(asked.contains("bytes=0-1\r\n"), asked);
    }

    @Test
    void twoHundredConcurrentMissesOfASlowObjectAreOneOriginRequest() throws Exception {
        int clients = 200;
        byte[] body = bytes(1_000_000, 3);
        CountDownLatch everyHead = new CountDownLatch(clients);
        ScriptedOrigin origin = scripted((head, out, socket) -> {
            out.write(ScriptedOrigin.head("200 OK", "Content-Length: " + body.length, "Cache-Control: max-age=60",
                    "Content-Type: video/mp4"));
            out.write(body, 0, 100_000);
            out.flush();
            // The rest comes only when every client has its head: they were all served while the fill went on.
            everyHead.await(30, TimeUnit.SECONDS);
            out.write(body, 100_000, body.length - 100_000);
            return true;
        });
        ZeroedgeServer cache = cache(origin.port(), newCacheDir());
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> statuses = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            threads.add(Thread.ofVirtual().start(() -> {
                try (RawHttp http = new RawHttp(cache.port())) {
                    // The body's rest comes when the last of the 200 has its head: on a loaded machine that can
                    // take longer than RawHttp's 10 s read timeout.
                    http.socket().setSoTimeout(30_000);
                    Response head = http.send("GET /slow.mp4 HTTP/1.1\r\nHost: edge.test\r\n\r\n").readHead();
                    everyHead.countDown();
                    assertEquals(200, head.status());
                    assertEquals("1000000", head.header("Content-Length"));
                    statuses.add(head.header("Cache-Status"));
                    byte[] got = http.input().readNBytes(body.length);
                    assertArrayEquals(body, got);
                } catch (Throwable t) {
                    everyHead.countDown();
                    failures.add(t);
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join(60_000);
        }
        assertEquals(List.of(), List.copyOf(failures));
        assertEquals(1, origin.requests(), "one origin request for " + clients + " misses");
        assertEquals(clients, statuses.size());
        assertEquals(1, statuses.stream().filter("zeroedge; fwd=miss; stored"::equals).count());
        assertEquals(clients - 1, statuses.stream().filter("zeroedge; fwd=miss; collapsed"::equals).count());
        Response hit = get(cache, "/slow.mp4");
        assertEquals("zeroedge; hit", hit.header("Cache-Status"));
        assertArrayEquals(body, hit.body());
        assertEquals(1, origin.requests());
    }

    @Test
    void aClientJoiningMidFillStartsAtByteZeroFromTheFile() throws Exception {
        byte[] body = bytes(600_000, 11);
        CountDownLatch rest = new CountDownLatch(1);
        ScriptedOrigin origin = scripted((head, out, socket) -> {
            out.write(ScriptedOrigin.head("200 OK", "Content-Length: " + body.length, "Cache-Control: max-age=60"));
            out.write(body, 0, 200_000);
            out.flush();
            rest.await(30, TimeUnit.SECONDS);
            out.write(body, 200_000, body.length - 200_000);
            return true;
        });
        ZeroedgeServer cache = cache(origin.port(), newCacheDir());
        try (RawHttp first = new RawHttp(cache.port()); RawHttp late = new RawHttp(cache.port())) {
            Response firstHead = first.send("GET /growing HTTP/1.1\r\nHost: edge.test\r\n\r\n").readHead();
            assertEquals("zeroedge; fwd=miss; stored", firstHead.header("Cache-Status"));
            // The first client has the part the origin sent: it was sent from the file as it grew.
            assertArrayEquals(Arrays.copyOfRange(body, 0, 200_000), first.input().readNBytes(200_000));

            Response lateHead = late.send("GET /growing HTTP/1.1\r\nHost: edge.test\r\n\r\n").readHead();
            assertEquals(200, lateHead.status());
            assertEquals("600000", lateHead.header("Content-Length"));
            assertEquals("zeroedge; fwd=miss; collapsed", lateHead.header("Cache-Status"));
            assertArrayEquals(Arrays.copyOfRange(body, 0, 200_000), late.input().readNBytes(200_000));

            rest.countDown();
            assertArrayEquals(Arrays.copyOfRange(body, 200_000, body.length), first.input().readNBytes(400_000));
            assertArrayEquals(Arrays.copyOfRange(body, 200_000, body.length), late.input().readNBytes(400_000));
        }
        assertEquals(1, origin.requests());
    }

    @Test
    void aTruncatedOriginBodyClosesTheClientsBeforeTheirLengthAndIsNotStored() throws Exception {
        byte[] body = bytes(200_000, 5);
        CountDownLatch clientHasHead = new CountDownLatch(1);
        ScriptedOrigin origin = scripted((head, out, socket) -> {
            out.write(ScriptedOrigin.head("200 OK", "Content-Length: " + body.length, "Cache-Control: max-age=60"));
            out.write(body, 0, 50_000);
            out.flush();
            clientHasHead.await(10, TimeUnit.SECONDS);
            return false; // closed 150,000 bytes early
        });
        Path dir = newCacheDir();
        ZeroedgeServer cache = cache(origin.port(), dir);
        try (RawHttp http = new RawHttp(cache.port())) {
            Response head = http.send("GET /cut HTTP/1.1\r\nHost: edge.test\r\n\r\n").readHead();
            clientHasHead.countDown();
            assertEquals(200, head.status());
            assertEquals("200000", head.header("Content-Length"));
            byte[] got = http.input().readNBytes(body.length);
            assertTrue(got.length < body.length, "a short body must end with the connection: " + got.length);
            assertArrayEquals(Arrays.copyOfRange(body, 0, got.length), got);
        }
        assertEquals(List.of(), leftoversAfterCleanup(dir));
        // Not stored: the next request asks the origin again.
        origin.script((head, out, socket) -> {
            out.write(ScriptedOrigin.head("200 OK", "Content-Length: " + body.length, "Cache-Control: max-age=60"));
            out.write(body);
            return true;
        });
        Response whole = get(cache, "/cut");
        assertEquals("zeroedge; fwd=miss; stored", whole.header("Cache-Status"));
        assertArrayEquals(body, whole.body());
        assertEquals(2, origin.requests());
    }

    @Test
    void anOriginThatCannotBeReachedIs502() throws IOException {
        ZeroedgeServer cache = cache(closedPort(), newCacheDir());
        Response r = get(cache, "/any");
        assertEquals("HTTP/1.1 502 Bad Gateway", r.statusLine());
        assertEquals("zeroedge; fwd=miss; detail=origin-unreachable", r.header("Cache-Status"));
    }

    @Test
    void anOriginThatResetsBeforeItsHeadIs502() throws IOException {
        ScriptedOrigin origin = scripted((head, out, socket) -> {
            socket.setSoLinger(true, 0);
            return false;
        });
        ZeroedgeServer cache = cache(origin.port(), newCacheDir());
        assertEquals(502, get(cache, "/reset").status());
    }

    @Test
    void anOriginWithoutAHeadInTimeIs504() throws IOException {
        CountDownLatch never = new CountDownLatch(1);
        ScriptedOrigin origin = scripted((head, out, socket) -> {
            never.await(10, TimeUnit.SECONDS);
            return false;
        });
        ZeroedgeServer cache = cache(origin.port(), newCacheDir(), Duration.ofMillis(300));
        try {
            Response r = get(cache, "/silent");
            assertEquals("HTTP/1.1 504 Gateway Timeout", r.statusLine());
            assertEquals("zeroedge; fwd=miss; detail=origin-timeout", r.header("Cache-Status"));
        } finally {
            never.countDown();
        }
    }

    @Test
    void aChunkedOriginResponseIsRelayedChunkedWhileItFillsAndStoredWithItsLength() throws Exception {
        byte[] body = bytes(70_000, 17);
        CountDownLatch firstChunkOut = new CountDownLatch(1);
        ScriptedOrigin origin = scripted((head, out, socket) -> {
            out.write(ScriptedOrigin.head("200 OK", "Transfer-Encoding: chunked", "Cache-Control: max-age=60",
                    "Content-Type: text/plain"));
            for (int at = 0; at < body.length; at += 30_000) {
                int n = Math.min(30_000, body.length - at);
                out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(body, at, n);
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                if (at == 0) {
                    // The rest waits until a client has the first chunk: relayed while the fill goes on.
                    firstChunkOut.await(10, TimeUnit.SECONDS);
                }
            }
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            return true;
        });
        ZeroedgeServer cache = cache(origin.port(), newCacheDir());
        try (RawHttp http = new RawHttp(cache.port()); RawHttp old = new RawHttp(cache.port())) {
            Response head = http.send("GET /chunked HTTP/1.1\r\nHost: edge.test\r\n\r\n").readHead();
            assertEquals("HTTP/1.1 200 OK", head.statusLine());
            assertEquals("chunked", head.header("Transfer-Encoding"));
            assertNull(head.header("Content-Length"));
            assertNull(head.header("Accept-Ranges"));
            assertEquals("zeroedge; fwd=miss; stored", head.header("Cache-Status"));
            java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
            while (got.size() < 30_000) {
                got.write(readChunk(http)); // the slices of the first origin chunk, each a chunk of ours
            }
            assertArrayEquals(Arrays.copyOfRange(body, 0, 30_000), got.toByteArray());
            // An HTTP/1.0 client joining now cannot be sent chunks: its body ends with the connection.
            Response oldHead = old.send("GET /chunked HTTP/1.0\r\nHost: edge.test\r\n\r\n").readHead();
            assertEquals(200, oldHead.status());
            assertEquals("close", oldHead.header("Connection"));
            assertNull(oldHead.header("Transfer-Encoding"));
            firstChunkOut.countDown();
            for (byte[] chunk = readChunk(http); chunk.length > 0; chunk = readChunk(http)) {
                got.write(chunk);
            }
            assertEquals("", http.readLine(), "the empty line after the last chunk");
            assertArrayEquals(body, got.toByteArray());
            assertArrayEquals(body, old.input().readAllBytes());
            // The connection stays usable after the chunked body.
            Response hit = http.exchange("GET /chunked HTTP/1.1\r\nHost: edge.test\r\n\r\n");
            assertEquals("zeroedge; hit", hit.header("Cache-Status"));
            assertEquals("70000", hit.header("Content-Length"));
            assertArrayEquals(body, hit.body());
        }
        assertEquals(1, origin.requests());
    }

    /** One chunk of a chunked body (RFC 9112 §7.1): its bytes, empty for the last chunk (whose CRLF is left). */
    private static byte[] readChunk(RawHttp http) throws IOException {
        int size = Integer.parseInt(http.readLine(), 16);
        byte[] chunk = http.input().readNBytes(size);
        assertEquals(size, chunk.length);
        if (size > 0) {
            assertEquals("", http.readLine());
        }
        return chunk;
    }
    @Test
    void noStoreIsRelayedAndAskedForAgain() throws IOException {
        ScriptedOrigin origin = scripted((head, out, socket) -> {
            out.write(ScriptedOrigin.head("200 OK", "Content-Length: 3", "Cache-Control: no-store"));
            out.write("abc".getBytes(StandardCharsets.US_ASCII));
            return true;
        });
        Path dir = newCacheDir();
        ZeroedgeServer cache = cache(origin.port(), dir);
        for (int i = 0; i < 2; i++) {
            Response r = get(cache, "/private");
            assertEquals("abc", r.bodyText());
            assertEquals("zeroedge; fwd=miss", r.header("Cache-Status"));
        }
        assertEquals(2, origin.requests());
    }

    @Test
    void anOrigin404WithoutFreshnessIsRelayedWithItsBodyAndNotStored() throws IOException {
        ZeroedgeServer cache = cache(staticOrigin.port(), newCacheDir());
        for (int i = 0; i < 2; i++) {
            Response r = get(cache, "/absent.bin");
            assertEquals("HTTP/1.1 404 Not Found", r.statusLine());
            assertEquals("0", r.header("Age"));
            assertEquals("zeroedge; fwd=miss", r.header("Cache-Status"));
            assertEquals("text/plain; charset=utf-8", r.header("Content-Type"));
            assertEquals("404 Not Found\n", r.bodyText(), "the origin's own body");
        }
        assertEquals(0, lastCache.objects());
    }

    /** The statuses RFC 9111 lets a shared cache store (all heuristically cacheable, RFC 9110 §15.1). */
    private static final List<String> STORED_STATUSES = List.of("203 Non-Authoritative Information",
            "204 No Content", "300 Multiple Choices", "301 Moved Permanently", "308 Permanent Redirect",
            "404 Not Found", "410 Gone");

    /** {@code /status/NNN} of the scripted origin below: that status, fresh for a minute, with a body but for 204. */
    private static boolean answerWithStatus(String head, OutputStream out) throws IOException {
        String code = head.substring("GET /status/".length(), "GET /status/".length() + 3);
        String status = STORED_STATUSES.stream().filter(s -> s.startsWith(code)).findFirst()
                .orElse(code + " Whatever");
        byte[] body = code.equals("204") ? new byte[0] : ("body of " + code + "\n").getBytes(StandardCharsets.US_ASCII);
        List<String> fields = new ArrayList<>(List.of("Cache-Control: max-age=60", "X-Origin: " + code,
                "ETag: \"e" + code + "\""));
        if (!code.equals("204")) {
            fields.addAll(List.of("Content-Type: text/html", "Content-Length: " + body.length));
        }
        if (code.startsWith("3")) {
            fields.add("Location: /elsewhere/" + code);
        }
        out.write(ScriptedOrigin.head(status, fields.toArray(String[]::new)));
        out.write(body);
        return true;
    }

    @Test
    void everyStoredStatusIsRelayedWithItsBodyAndFieldsThenAHitWithTheSameStatus() throws Exception {
        ScriptedOrigin origin = scripted((head, out, socket) -> answerWithStatus(head, out));
        ZeroedgeServer cache = cache(origin.port(), newCacheDir());
        for (String status : STORED_STATUSES) {
            String code = status.substring(0, 3);
            Response miss = get(cache, "/status/" + code);
            assertStatusResponse(status, miss, "zeroedge; fwd=miss; stored");
            assertEquals("0", miss.header("Age"), status);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (lastCache.objects() < STORED_STATUSES.size() && System.nanoTime() < deadline) {
            Thread.sleep(10); // each is committed a moment after its client has it
        }
        assertEquals(STORED_STATUSES.size(), lastCache.objects());
        for (String status : STORED_STATUSES) {
            String code = status.substring(0, 3);
            assertStatusResponse(status, get(cache, "/status/" + code), "zeroedge; hit");
            // A range is a 200's: another status is sent as it is, whole.
            Response ranged = get(cache, "/status/" + code, "Range: bytes=0-1");
            assertStatusResponse(status, ranged, "zeroedge; hit");
            assertNull(ranged.header("Content-Range"), status);
            // Preconditions are a 2xx's (RFC 9110 §13.2.1): a 404 ignores them.
            Response conditional = get(cache, "/status/" + code, "If-None-Match: \"e" + code + "\"");
            if (code.startsWith("2")) {
                assertEquals("HTTP/1.1 304 Not Modified", conditional.statusLine(), status);
                assertEquals("zeroedge; hit", conditional.header("Cache-Status"), status);
            } else {
                assertStatusResponse(status, conditional, "zeroedge; hit");
            }
        }
        try (RawHttp http = new RawHttp(cache.port())) {
            Response head = http.send("HEAD /status/404 HTTP/1.1\r\nHost: edge.test\r\n\r\n").readHead();
            assertEquals("HTTP/1.1 404 Not Found", head.statusLine());
            assertEquals("12", head.header("Content-Length"));
            // The connection goes on: the HEAD had no body.
            assertStatusResponse("410 Gone", http.exchange("GET /status/410 HTTP/1.1\r\nHost: edge.test\r\n\r\n"),
                    "zeroedge; hit");
        }
        assertEquals(STORED_STATUSES.size(), origin.requests(), "the origin asked once per status");
    }

    private static void assertStatusResponse(String status, Response r, String cacheStatus) {
        String code = status.substring(0, 3);
        assertEquals("HTTP/1.1 " + status, r.statusLine());
        assertEquals(cacheStatus, r.header("Cache-Status"), status);
        assertEquals(code, r.header("X-Origin"), status);
        assertEquals("\"e" + code + "\"", r.header("ETag"), status);
        assertNotNull(r.header("Age"), status);
        if (code.equals("204")) {
            assertNull(r.header("Content-Length"), "a 204 has no Content-Length");
            assertNull(r.header("Content-Type"), status);
            assertEquals(0, r.body().length, status);
        } else {
            assertEquals("text/html", r.header("Content-Type"), status);
            assertEquals("body of " + code + "\n", r.bodyText(), status);
            assertEquals(Integer.toString(r.body().length), r.header("Content-Length"), status);
        }
        assertEquals(code.startsWith("3") ? "/elsewhere/" + code : null, r.header("Location"), status);
        assertNull(r.header("Accept-Ranges"), status);
    }

    @Test
    void aHeuristicallyFresh404IsStored() throws Exception {
        String lastModified = io.netty.handler.codec.DateFormatter.format(
                java.util.Date.from(Instant.now().minus(Duration.ofDays(10))));
        ScriptedOrigin origin = scripted((head, out, socket) -> {
            out.write(ScriptedOrigin.head("404 Not Found", "Content-Length: 4", "Last-Modified: " + lastModified));
            out.write("gone".getBytes(StandardCharsets.US_ASCII));
            return true;
        });
        ZeroedgeServer cache = cache(origin.port(), newCacheDir());
        assertEquals("zeroedge; fwd=miss; stored", get(cache, "/old").header("Cache-Status"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (lastCache.objects() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        Response hit = get(cache, "/old");
        assertEquals("HTTP/1.1 404 Not Found", hit.statusLine());
        assertEquals("zeroedge; hit", hit.header("Cache-Status"));
        assertEquals("gone", hit.bodyText());
        assertEquals(1, origin.requests());
    }

    @Test
    void aStatusNotStoredIsRelayedWithItsBodyAndAskedForAgain() throws IOException {
        ScriptedOrigin origin = scripted((head, out, socket) -> {
            boolean redirect = head.startsWith("GET /moved ");
            out.write(ScriptedOrigin.head(redirect ? "302 Found" : "500 Internal Server Error", "Content-Length: 5",
                    "Cache-Control: max-age=60", "Content-Type: text/plain", "Location: /there", "X-Origin: yes"));
            out.write("oops\n".getBytes(StandardCharsets.US_ASCII));
            return true;
        });
        ZeroedgeServer cache = cache(origin.port(), newCacheDir());
        try (RawHttp http = new RawHttp(cache.port())) {
            for (int i = 0; i < 2; i++) {
                Response r = http.exchange("GET /broken HTTP/1.1\r\nHost: edge.test\r\n\r\n");
                assertEquals("HTTP/1.1 500 Internal Server Error", r.statusLine());
                assertEquals("zeroedge; fwd=miss", r.header("Cache-Status"));
                assertEquals("yes", r.header("X-Origin"));
                assertEquals("oops\n", r.bodyText());
            }
            Response moved = http.exchange("GET /moved HTTP/1.1\r\nHost: edge.test\r\n\r\n");
            assertEquals("HTTP/1.1 302 Found", moved.statusLine());
            assertEquals("/there", moved.header("Location"));
            assertEquals("oops\n", moved.bodyText());
        }
        assertEquals(3, origin.requests());
        assertEquals(0, lastCache.objects());
        assertEquals(0, lastCache.passedThrough(), "not stored by rule, not for want of space");
    }

    /**
     * A tmpfs of {@code options} mounted on a new directory (the test runs as root; where it cannot mount, the test
     * is skipped and says why), unmounted after the test, once its cache has stopped.
     */
    private Path smallDisk(String options) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory(work, "tmpfs");
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", options, "tmpfs", dir.toString())
                .redirectErrorStream(true).start();
        String said = new String(mount.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        Assumptions.assumeTrue(mount.waitFor() == 0, "cannot mount a tmpfs for the full-disk test (needs root): "
                + said);
        running.add(() -> new ProcessBuilder("umount", "-l", dir.toString()).start().waitFor());
        return dir;
    }

    /**
     * An origin of {@code body}: {@code /big} all of it, {@code /mid} its first 300,000 bytes, any other path its
     * first 10,000; fresh for a minute.
     */
    private ScriptedOrigin originOf(byte[] body) throws IOException {
        return scripted((head, out, socket) -> {
            int n = head.startsWith("GET /big ") ? body.length : head.startsWith("GET /mid ") ? 300_000 : 10_000;
            out.write(ScriptedOrigin.head("200 OK", "Content-Length: " + n, "Cache-Control: max-age=60",
                    "Content-Type: video/mp4"));
            out.write(body, 0, n);
            return true;
        });
    }

    @Test
    void aFullDiskPassesTheResponseThroughFromTheOriginUncachedAndCountsIt() throws Exception {
        Path disk = smallDisk("size=2m,nr_inodes=64");
        byte[] body = bytes(700_000, 31);
        ScriptedOrigin origin = originOf(body);
        // Another file takes most of the file system: 512 KiB are left, less than the object.
        Files.write(disk.resolve("filler"), new byte[1536 * 1024]);
        Path dir = Files.createDirectory(disk.resolve("cache"));
        ZeroedgeServer cache = cache(origin.port(), dir, Duration.ofSeconds(5),
                c -> c.withMinFree(CacheConfig.MinFree.bytes(0)));
        try (RawHttp http = new RawHttp(cache.port())) {
            Response big = http.exchange("GET /big HTTP/1.1\r\nHost: edge.test\r\n\r\n");
            assertEquals("HTTP/1.1 200 OK", big.statusLine());
            assertEquals("700000", big.header("Content-Length"));
            assertEquals("video/mp4", big.header("Content-Type"));
            assertEquals("zeroedge; fwd=miss; detail=no-space", big.header("Cache-Status"));
            assertArrayEquals(body, big.body());
            assertEquals(1, lastCache.passedThrough(), "its reservation refused");

            // Another writer takes the room behind the cache's back (its figure is a second old at most): the file
            // system itself refuses the blocks when the file is made, before any client has a byte of it.
            Files.write(disk.resolve("filler-2"), new byte[400 * 1024]);
            Response mid = http.exchange("GET /mid HTTP/1.1\r\nHost: edge.test\r\n\r\n");
            assertEquals("HTTP/1.1 200 OK", mid.statusLine());
            assertEquals("zeroedge; fwd=miss; detail=no-space", mid.header("Cache-Status"));
            assertArrayEquals(Arrays.copyOf(body, 300_000), mid.body());
            assertEquals(2, lastCache.passedThrough());
            Files.delete(disk.resolve("filler-2"));

            // No inode left: a small object, for which there is room, cannot have its file created (ENOSPC).
            for (int i = 0; ; i++) {
                try {
                    Files.createFile(disk.resolve("inode-" + i));
                } catch (IOException full) {
                    break;
                }
            }
            Response small = http.exchange("GET /small HTTP/1.1\r\nHost: edge.test\r\n\r\n");
            assertEquals("HTTP/1.1 200 OK", small.statusLine());
            assertEquals("zeroedge; fwd=miss; detail=no-space", small.header("Cache-Status"));
            assertArrayEquals(Arrays.copyOf(body, 10_000), small.body());
            assertEquals(3, lastCache.passedThrough());
        }
        assertEquals(3, origin.requests(), "nothing stored: each was fetched");
        assertEquals(0, lastCache.objects());
        assertEquals(List.of(), leftovers(dir));
    }

    @Test
    void aChunkedFillThatMeetsAFullDiskEvictsWhatMakesRoomAndGoesOn() throws Exception {
        Path disk = smallDisk("size=1m");
        byte[] kept = bytes(500_000, 59);
        byte[] live = bytes(600_000, 61);
        ScriptedOrigin origin = scripted((head, out, socket) -> {
            if (head.startsWith("GET /kept ")) {
                out.write(ScriptedOrigin.head("200 OK", "Content-Length: " + kept.length, "Cache-Control: max-age=60"));
                out.write(kept);
                return true;
            }
            out.write(ScriptedOrigin.head("200 OK", "Transfer-Encoding: chunked", "Cache-Control: max-age=60"));
            for (int at = 0; at < live.length; at += 30_000) {
                out.write((Integer.toHexString(30_000) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(live, at, 30_000);
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            return true;
        });
        Path dir = Files.createDirectory(disk.resolve("cache"));
        ZeroedgeServer cache = cache(origin.port(), dir, Duration.ofSeconds(5),
                c -> c.withMinFree(CacheConfig.MinFree.bytes(0)));
        assertArrayEquals(kept, get(cache, "/kept").body());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (lastCache.objects() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(1, lastCache.objects());
        // A body of unknown length reserves nothing: its writes fill the disk, the stored object is evicted for
        // it, and the fill goes on where it was.
        try (RawHttp http = new RawHttp(cache.port())) {
            Response head = http.send("GET /live HTTP/1.1\r\nHost: edge.test\r\n\r\n").readHead();
            assertEquals("zeroedge; fwd=miss; stored", head.header("Cache-Status"));
            java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
            for (byte[] chunk = readChunk(http); chunk.length > 0; chunk = readChunk(http)) {
                got.write(chunk);
            }
            assertEquals("", http.readLine());
            assertArrayEquals(live, got.toByteArray());
        }
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        Response hit = get(cache, "/live");
        while (!"zeroedge; hit".equals(hit.header("Cache-Status")) && System.nanoTime() < deadline) {
            Thread.sleep(10);
            hit = get(cache, "/live");
        }
        assertEquals("zeroedge; hit", hit.header("Cache-Status"));
        assertArrayEquals(live, hit.body());
        assertEquals(0, lastCache.passedThrough());
    }

    @Test
    void aMinimumFreeSpaceOverWhatIsFreePassesTheResponseThrough() throws Exception {
        byte[] body = bytes(50_000, 41);
        ScriptedOrigin origin = originOf(body);
        ZeroedgeServer cache = cache(origin.port(), newCacheDir(), Duration.ofSeconds(5),
                c -> c.withMinFree(CacheConfig.MinFree.percent(100)));
        for (int i = 1; i <= 2; i++) {
            Response r = get(cache, "/big");
            assertEquals("zeroedge; fwd=miss; detail=no-space", r.header("Cache-Status"));
            assertArrayEquals(body, r.body());
            assertEquals(i, lastCache.passedThrough());
        }
        assertEquals(2, origin.requests());
        assertEquals(0, lastCache.objects());
    }

    @Test
    void anObjectLargerThanTheMaximumSizeIsPassedThroughAndSmallerOnesStored() throws Exception {
        byte[] body = bytes(50_000, 43);
        ScriptedOrigin origin = originOf(body);
        ZeroedgeServer cache = cache(origin.port(), newCacheDir(), Duration.ofSeconds(5), 20_000);
        Response big = get(cache, "/big");
        assertEquals("zeroedge; fwd=miss; detail=no-space", big.header("Cache-Status"));
        assertArrayEquals(body, big.body());
        Response small = get(cache, "/small");
        assertEquals("zeroedge; fwd=miss; stored", small.header("Cache-Status"));
        assertArrayEquals(Arrays.copyOf(body, 10_000), small.body());
        assertEquals(1, lastCache.passedThrough());
    }

    @Test
    void aChunkedResponseNotStoredIsRelayedChunkedAndToHttp10UntilTheClose() throws Exception {
        byte[] body = bytes(70_000, 47);
        ScriptedOrigin origin = scripted((head, out, socket) -> {
            out.write(ScriptedOrigin.head("200 OK", "Transfer-Encoding: chunked", "Cache-Control: no-store"));
            for (int at = 0; at < body.length; at += 30_000) {
                int n = Math.min(30_000, body.length - at);
                out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(body, at, n);
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            return true;
        });
        ZeroedgeServer cache = cache(origin.port(), newCacheDir());
        try (RawHttp http = new RawHttp(cache.port())) {
            for (int i = 0; i < 2; i++) {
                Response head = http.send("GET /live HTTP/1.1\r\nHost: edge.test\r\n\r\n").readHead();
                assertEquals("HTTP/1.1 200 OK", head.statusLine());
                assertEquals("chunked", head.header("Transfer-Encoding"));
                assertEquals("zeroedge; fwd=miss", head.header("Cache-Status"));
                java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
                for (byte[] chunk = readChunk(http); chunk.length > 0; chunk = readChunk(http)) {
                    got.write(chunk);
                }
                assertEquals("", http.readLine());
                assertArrayEquals(body, got.toByteArray());
            }
        }
        try (RawHttp old = new RawHttp(cache.port())) {
            Response head = old.send("GET /live HTTP/1.0\r\nHost: edge.test\r\n\r\n").readHead();
            assertEquals("close", head.header("Connection"));
            assertNull(head.header("Transfer-Encoding"));
            assertArrayEquals(body, old.input().readAllBytes());
        }
        assertEquals(3, origin.requests());
    }

    @Test
    void concurrentMissesOfAResponseNotToBeSharedEachGetTheirOwnFromTheOrigin() throws Exception {
        int clients = 20;
        byte[] body = bytes(100_000, 67);
        ScriptedOrigin origin = scripted((head, out, socket) -> {
            Thread.sleep(50); // the others attach to the fill meanwhile, and are sent to the origin alone
            out.write(ScriptedOrigin.head("200 OK", "Content-Length: " + body.length, "Cache-Control: no-store"));
            out.write(body);
            return true;
        });
        ZeroedgeServer cache = cache(origin.port(), newCacheDir());
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    Response r = get(cache, "/fresh-each-time");
                    assertEquals("zeroedge; fwd=miss", r.header("Cache-Status"));
                    assertArrayEquals(body, r.body());
                } catch (Throwable t) {
                    failures.add(t);
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join(30_000);
        }
        assertEquals(List.of(), List.copyOf(failures));
        assertEquals(clients, origin.requests(), "no-store is never shared: one origin response per client");
    }

    @Test
    void aPassedThroughBodyReadsTheOriginNoFasterThanItsClientTakesIt() throws Exception {
        int block = 1 << 20;
        int blocks = 64; // 64 MiB: more than all the socket buffers between the origin and the client hold
        byte[] bytes = bytes(block, 53);
        CountDownLatch allWritten = new CountDownLatch(1);
        ScriptedOrigin origin = scripted((head, out, socket) -> {
            out.write(ScriptedOrigin.head("200 OK", "Content-Length: " + (long) block * blocks,
                    "Cache-Control: no-store"));
            for (int i = 0; i < blocks; i++) {
                out.write(bytes);
            }
            allWritten.countDown();
            return true;
        });
        ZeroedgeServer cache = cache(origin.port(), newCacheDir());
        try (RawHttp slow = new RawHttp(cache.port(), 4096)) {
            Response head = slow.send("GET /stream HTTP/1.1\r\nHost: edge.test\r\n\r\n").readHead();
            assertEquals(200, head.status());
            assertArrayEquals(Arrays.copyOf(bytes, 1000), slow.input().readNBytes(1000));
            // The client takes nothing more: the origin must not get its body out. (Were the origin read
            // regardless, it would be done at once; a busy machine can only make this pass, never fail.)
            assertFalse(allWritten.await(1, TimeUnit.SECONDS), "the origin was read past what its client took");
            // Taken again, the bytes go on, byte-exact, across the stall.
            byte[] rest = slow.input().readNBytes(3 * block - 1000);
            for (int i = 0; i < rest.length; i++) {
                if (rest[i] != bytes[(1000 + i) % block]) {
                    throw new AssertionError("byte " + (1000 + i) + " differs");
                }
            }
        }
        // The client went away mid-body: the origin's connection is given up, and the cache answers on.
        origin.script((head, out, socket) -> {
            out.write(ScriptedOrigin.head("200 OK", "Content-Length: 2", "Cache-Control: no-store"));
            out.write("ok".getBytes(StandardCharsets.US_ASCII));
            return true;
        });
        assertEquals("ok", get(cache, "/after").bodyText());
    }

    @Test
    void aRestartFindsCommittedObjectsWithoutTheOriginAndDeletesUnfinishedFills() throws Exception {
        byte[] body = bytes(150_000, 23);
        ScriptedOrigin origin = scripted((head, out, socket) -> {
            out.write(ScriptedOrigin.head("200 OK", "Content-Length: " + body.length, "Cache-Control: max-age=600",
                    "ETag: \"v1\"", "Content-Type: video/mp4"));
            out.write(body);
            return true;
        });
        Path dir = newCacheDir();
        ZeroedgeServer first = cache(origin.port(), dir);
        assertEquals("zeroedge; fwd=miss; stored", get(first, "/kept.mp4").header("Cache-Status"));
        // The index has it once its commit (fsync, renames) is done: a client may have every byte a moment before,
        // and a stop at that moment loses the object (never half of it).
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (lastCache.objects() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(1, lastCache.objects());
        first.shutdown(Duration.ofSeconds(1));
        origin.close();
        // What a crash mid-fill leaves: a temporary body and its metadata in tmp/, a body renamed into place whose
        // metadata never followed.
        Files.write(dir.resolve("tmp").resolve("0123456789abcdef0123456789abcdef.77"), bytes(1000, 1));
        Files.write(dir.resolve("tmp").resolve("0123456789abcdef0123456789abcdef.77.meta"), bytes(10, 1));
        Path orphan = Files.createDirectories(dir.resolve("ff").resolve("ee")).resolve("ffee0000000000000000000000000000");
        Files.write(orphan, bytes(100, 2));

        ZeroedgeServer second = cache(closedPort(), dir);
        Response hit = get(second, "/kept.mp4");
        assertEquals("HTTP/1.1 200 OK", hit.statusLine());
        assertEquals("zeroedge; hit", hit.header("Cache-Status"));
        assertEquals("\"v1\"", hit.header("ETag"));
        assertEquals("video/mp4", hit.header("Content-Type"));
        assertArrayEquals(body, hit.body());
        assertEquals(List.of(), leftovers(dir));
        assertFalse(Files.exists(orphan), "a body without metadata is no object");
        assertEquals(502, get(second, "/not-kept").status());
    }

    @Test
    void aHeadMissIsFetchedWithGetAndTheNextGetIsAHit() throws IOException {
        ZeroedgeServer cache = cache(staticOrigin.port(), newCacheDir());
        try (RawHttp http = new RawHttp(cache.port())) {
            Response head = http.send("HEAD /clip.bin HTTP/1.1\r\nHost: edge.test\r\n\r\n").readHead();
            assertEquals(200, head.status());
            assertEquals("300000", head.header("Content-Length"));
            assertEquals("zeroedge; fwd=miss; stored", head.header("Cache-Status"));
            Response next = http.exchange("GET /small.txt HTTP/1.1\r\nHost: edge.test\r\n\r\n");
            assertEquals("small object\n", next.bodyText());
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        Response hit = get(cache, "/clip.bin");
        while (!"zeroedge; hit".equals(hit.header("Cache-Status")) && System.nanoTime() < deadline) {
            hit = get(cache, "/clip.bin"); // the fill of the HEAD may still be under way
        }
        assertEquals("zeroedge; hit", hit.header("Cache-Status"));
        assertArrayEquals(clip, hit.body());
    }

    @Test
    void aResponseToAuthorizationIsNeitherStoredNorShared() throws IOException {
        ScriptedOrigin origin = scripted((head, out, socket) -> {
            out.write(ScriptedOrigin.head("200 OK", "Content-Length: 4", "Cache-Control: max-age=60"));
            out.write("mine".getBytes(StandardCharsets.US_ASCII));
            return true;
        });
        ZeroedgeServer cache = cache(origin.port(), newCacheDir());
        Response first = get(cache, "/account", "Authorization: Bearer a");
        assertEquals("mine", first.bodyText());
        assertEquals("zeroedge; fwd=miss", first.header("Cache-Status"));
        assertTrue(origin.heads().getFirst().contains("Authorization: Bearer a\r\n"), origin.heads().getFirst());
        Response other = get(cache, "/account");
        assertEquals("zeroedge; fwd=miss; stored", other.header("Cache-Status"));
        assertEquals(2, origin.requests());
    }

    @Test
    void theIndexKeepsTheBytesOnDiskWithinTheMaximumSize() throws Exception {
        int objects = 8;
        int size = 200_000;
        long max = 600_000;
        ScriptedOrigin origin = scripted((head, out, socket) -> {
            int n = Integer.parseInt(head.substring("GET /obj-".length(), head.indexOf(' ', 4)));
            out.write(ScriptedOrigin.head("200 OK", "Content-Length: " + size, "Cache-Control: max-age=600"));
            out.write(bytes(size, n));
            return true;
        });
        Path dir = newCacheDir();
        ZeroedgeServer cache = cache(origin.port(), dir, Duration.ofSeconds(5), max);
        for (int n = 1; n <= objects; n++) {
            Response r = get(cache, "/obj-" + n);
            assertArrayEquals(bytes(size, n), r.body(), "object " + n);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        long onDisk = bodyBytes(dir);
        // Caffeine evicts in its maintenance, after the insert that goes past the bound: wait for both to settle.
        while ((onDisk > max || lastCache.objects() > 2) && System.nanoTime() < deadline) {
            lastCache.index().cleanUp();
            Thread.sleep(20);
            onDisk = bodyBytes(dir);
        }
        assertTrue(onDisk <= max, onDisk + " body bytes on disk, at most " + max + " wanted");
        assertTrue(lastCache.objects() <= 2, lastCache.objects() + " objects indexed");
    }

    /**
     * The bytes of committed bodies under {@code dir} (not tmp/, not metadata). Fills and evictions may rename or
     * delete files during the walk: a file that vanished meanwhile counts as gone, and the walk is made again.
     */
    private static long bodyBytes(Path dir) throws IOException {
        while (true) {
            try (Stream<Path> files = Files.walk(dir)) {
                return files.filter(p -> !p.startsWith(dir.resolve("tmp")) && !p.toString().endsWith(".meta"))
                        .filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
            } catch (java.io.UncheckedIOException vanished) {
                // walked into a directory entry that a commit or an eviction had just removed
            }
        }
    }

    @Test
    void aClientReadingAnObjectThatIsRemovedFinishesItAndTheNextRequestFetchesItAgain() throws IOException {
        Path dir = newCacheDir();
        ZeroedgeServer cache = cache(staticOrigin.port(), dir);
        long before = staticOrigin.counters().responses();
        assertEquals(200, get(cache, "/clip.bin").status());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (lastCache.objects() == 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        String hash = CacheKey.of("edge.test", "/clip.bin", null).hash();
        Path body = dir.resolve(hash.substring(0, 2)).resolve(hash.substring(2, 4)).resolve(hash);
        try (RawHttp slow = new RawHttp(cache.port(), 4096)) {
            Response head = slow.send("GET /clip.bin HTTP/1.1\r\nHost: edge.test\r\n\r\n").readHead();
            assertEquals("zeroedge; hit", head.header("Cache-Status"));
            byte[] start = slow.input().readNBytes(10_000);
            Files.delete(body.resolveSibling(hash + ".meta"));
            Files.delete(body);
            byte[] rest = slow.input().readNBytes(clip.length - 10_000);
            assertArrayEquals(Arrays.copyOfRange(clip, 0, 10_000), start);
            assertArrayEquals(Arrays.copyOfRange(clip, 10_000, clip.length), rest);
        }
        Response again = get(cache, "/clip.bin");
        assertEquals("zeroedge; fwd=miss; stored", again.header("Cache-Status"));
        assertArrayEquals(clip, again.body());
        assertEquals(2, staticOrigin.counters().responses() - before);
    }

    @Test
    void missesReuseAKeptAliveOriginConnectionAndOneTheOriginClosedIsAskedAgainOnANewOne() throws IOException {
        ScriptedOrigin origin = scripted((head, out, socket) -> {
            out.write(ScriptedOrigin.head("200 OK", "Content-Length: 2", "Cache-Control: max-age=60"));
            out.write("ok".getBytes(StandardCharsets.US_ASCII));
            return !head.startsWith("GET /then-closed ");
        });
        ZeroedgeServer cache = cache(origin.port(), newCacheDir());
        // One client connection, so one event loop and its pool of origin connections (a pool per loop).
        try (RawHttp http = new RawHttp(cache.port())) {
            for (String path : new String[] {"/a", "/b", "/then-closed"}) {
                assertEquals("ok", http.exchange("GET " + path + " HTTP/1.1\r\nHost: edge.test\r\n\r\n")
                        .bodyText(), path);
            }
            assertEquals(1, origin.connections(), "one kept-alive origin connection");
            // The origin closed the kept connection after /then-closed without saying so: the next miss meets
            // a dead connection and is sent again on a new one.
            assertEquals("ok", http.exchange("GET /c HTTP/1.1\r\nHost: edge.test\r\n\r\n").bodyText());
            assertEquals(2, origin.connections());
        }
        assertEquals(4, origin.requests());
    }

    @Test
    void aSlowClientNeverSlowsTheFill() throws Exception {
        byte[] body = bytes(4 * 1024 * 1024, 19);
        ScriptedOrigin origin = scripted((head, out, socket) -> {
            out.write(ScriptedOrigin.head("200 OK", "Content-Length: " + body.length, "Cache-Control: max-age=60"));
            out.write(body);
            return true;
        });
        ZeroedgeServer cache = cache(origin.port(), newCacheDir());
        try (RawHttp slow = new RawHttp(cache.port(), 4096)) {
            Response head = slow.send("GET /big HTTP/1.1\r\nHost: edge.test\r\n\r\n").readHead();
            assertEquals(200, head.status());
            byte[] start = slow.input().readNBytes(1000);
            // The client reads nothing more; the object is still filled and committed (the index has it), far
            // ahead of what the client took.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (lastCache.objects() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(1, lastCache.objects(), "filled while its only client stalls");
            Response hit = get(cache, "/big");
            assertEquals("zeroedge; hit", hit.header("Cache-Status"));
            assertArrayEquals(body, hit.body());
            assertArrayEquals(Arrays.copyOfRange(body, 0, 1000), start);
            assertArrayEquals(Arrays.copyOfRange(body, 1000, body.length), slow.input().readNBytes(body.length - 1000));
        }
    }

    @Test
    void aCloseDelimitedOriginBodyIsStoredWithTheLengthItHad() throws IOException {
        byte[] body = bytes(90_000, 29);
        ScriptedOrigin origin = scripted((head, out, socket) -> {
            out.write(ScriptedOrigin.head("200 OK", "Connection: close", "Cache-Control: max-age=60"));
            out.write(body);
            return false; // the close ends the body
        });
        ZeroedgeServer cache = cache(origin.port(), newCacheDir());
        try (RawHttp http = new RawHttp(cache.port())) {
            Response head = http.send("GET /until-close HTTP/1.1\r\nHost: edge.test\r\n\r\n").readHead();
            assertEquals("chunked", head.header("Transfer-Encoding"));
            java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
            for (byte[] chunk = readChunk(http); chunk.length > 0; chunk = readChunk(http)) {
                got.write(chunk);
            }
            assertEquals("", http.readLine());
            assertArrayEquals(body, got.toByteArray());
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        Response hit = get(cache, "/until-close");
        while (!"zeroedge; hit".equals(hit.header("Cache-Status")) && System.nanoTime() < deadline) {
            hit = get(cache, "/until-close");
        }
        assertEquals("90000", hit.header("Content-Length"));
        assertArrayEquals(body, hit.body());
        assertEquals(1, origin.requests());
    }

    /**
     * An origin of one object that answers ranges as RFC 9110 says (206 with Content-Range, 416 past the end, 412
     * to an If-Match of another ETag), counting the body bytes it sends; its version can change after a number of
     * requests.
     */
    private static final class RangedObject implements ScriptedOrigin.Script {
        private volatile byte[] body;
        private volatile String etag;
        private volatile byte[] nextBody;
        private volatile String nextEtag;
        private volatile int changeAfter = Integer.MAX_VALUE;
        private final AtomicLong bytesSent = new AtomicLong();
        private final AtomicInteger answered = new AtomicInteger();

        RangedObject(byte[] body, String etag) {
            this.body = body;
            this.etag = etag;
        }

        /** After {@code requests} more requests, the object is {@code next} with ETag {@code nextTag}. */
        void changeAfter(int requests, byte[] next, String nextTag) {
            nextBody = next;
            nextEtag = nextTag;
            changeAfter = answered.get() + requests;
        }

        long bytesSent() {
            return bytesSent.get();
        }

        @Override
        public boolean answer(String head, OutputStream out, java.net.Socket socket) throws IOException {
            if (answered.getAndIncrement() >= changeAfter) {
                body = nextBody;
                etag = nextEtag;
            }
            byte[] b = body;
            String tag = etag;
            String ifMatch = ScriptedOrigin.field(head, "if-match");
            if (ifMatch != null && !ifMatch.equals(tag)) {
                out.write(ScriptedOrigin.head("412 Precondition Failed", "Content-Length: 0", "ETag: " + tag));
                return true;
            }
            String range = ScriptedOrigin.field(head, "range");
            int first = 0;
            int last = b.length - 1;
            if (range != null) {
                String spec = range.substring("bytes=".length());
                int dash = spec.indexOf('-');
                if (dash == 0) {
                    first = Math.max(0, b.length - Integer.parseInt(spec.substring(1)));
                } else {
                    first = Integer.parseInt(spec.substring(0, dash));
                    if (dash < spec.length() - 1) {
                        last = Math.min(last, Integer.parseInt(spec.substring(dash + 1)));
                    }
                }
                if (first >= b.length) {
                    out.write(ScriptedOrigin.head("416 Range Not Satisfiable", "Content-Length: 0",
                            "Content-Range: bytes */" + b.length));
                    return true;
                }
            }
            int length = last - first + 1;
            List<String> fields = new ArrayList<>(List.of("Content-Length: " + length, "ETag: " + tag,
                    "Cache-Control: max-age=600", "Content-Type: video/mp4"));
            if (range != null) {
                fields.add("Content-Range: bytes " + first + "-" + last + "/" + b.length);
            }
            out.write(ScriptedOrigin.head(range != null ? "206 Partial Content" : "200 OK",
                    fields.toArray(String[]::new)));
            out.write(b, first, length);
            bytesSent.addAndGet(length);
            return true;
        }
    }

    /** The metadata of the one object committed in {@code dir}. */
    private static StoredObject storedMetadata(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            List<Path> metas = files.filter(p -> p.toString().endsWith(".meta") && !p.startsWith(dir.resolve("tmp")))
                    .toList();
            assertEquals(1, metas.size(), metas.toString());
            return StoredObject.decode(Files.readAllBytes(metas.getFirst()));
        }
    }

    private static int crc32c(byte[] bytes, int from, int to) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, from, to - from);
        return (int) crc.getValue();
    }

    /** The Range each request the origin read asked, from the {@code from}-th on (null for none). */
    private static List<String> rangesAsked(ScriptedOrigin origin, int from) {
        List<String> ranges = new ArrayList<>();
        for (String head : origin.heads().subList(from, origin.heads().size())) {
            ranges.add(ScriptedOrigin.field(head, "range"));
        }
        return ranges;
    }

    /** Waits (within a generous deadline) until {@code count} reaches {@code expected}; returns the count then. */
    private static long eventually(java.util.function.LongSupplier count, long expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (count.getAsLong() < expected && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        return count.getAsLong();
    }

    @Test
    void aLargeObjectIsFetchedSliceBySliceFromAStaticOriginAndServedAsOneRepresentation() throws Exception {
        ZeroedgeServer cache = slicedCache(staticOrigin.port(), newCacheDir());
        long before = staticOrigin.counters().responses();

        Response miss = get(cache, "/big.bin");
        assertEquals("HTTP/1.1 200 OK", miss.statusLine());
        assertEquals("zeroedge; fwd=miss; stored", miss.header("Cache-Status"));
        assertEquals(Integer.toString(BIG), miss.header("Content-Length"));
        assertArrayEquals(big, miss.body());
        assertEquals(3, eventually(() -> staticOrigin.counters().responses() - before, 3), "one request per slice");

        Response hit = get(cache, "/big.bin");
        assertEquals("zeroedge; hit", hit.header("Cache-Status"));
        assertArrayEquals(big, hit.body());
        // A range across both slice boundaries, and a multipart one, from the one file.
        Response across = get(cache, "/big.bin", "Range: bytes=65530-131080");
        assertEquals(206, across.status());
        assertEquals("bytes 65530-131080/" + BIG, across.header("Content-Range"));
        assertArrayEquals(Arrays.copyOfRange(big, 65530, 131081), across.body());
        Response parts = get(cache, "/big.bin", "Range: bytes=0-9,179990-");
        assertEquals(206, parts.status());
        assertTrue(parts.header("Content-Type").startsWith("multipart/byteranges"), parts.header("Content-Type"));
        assertEquals(3, staticOrigin.counters().responses() - before, "hits do not ask the origin");
    }

    @Test
    void eachSliceIsAskedWithItsRangeAndIfMatchOnTheFirstSlicesETag() throws Exception {
        byte[] body = bytes(BIG, 5);
        RangedObject object = new RangedObject(body, "\"s1\"");
        ScriptedOrigin origin = scripted(object);
        Path dir = newCacheDir();
        ZeroedgeServer cache = slicedCache(origin.port(), dir);

        Response miss = get(cache, "/seg.mp4");
        assertEquals(200, miss.status());
        assertEquals("\"s1\"", miss.header("ETag"));
        assertArrayEquals(body, miss.body());
        assertEquals(List.of("bytes=0-65535", "bytes=65536-131071", "bytes=131072-179999"), rangesAsked(origin, 0));
        assertNull(ScriptedOrigin.field(origin.heads().get(0), "if-match"));
        assertEquals("\"s1\"", ScriptedOrigin.field(origin.heads().get(1), "if-match"));
        assertEquals("\"s1\"", ScriptedOrigin.field(origin.heads().get(2), "if-match"));
        assertEquals(BIG, object.bytesSent());
        // The metadata has every slice, each with the CRC32C of its bytes as the fill wrote them.
        SliceMap slices = storedMetadata(dir).slices();
        assertEquals(3, slices.count());
        assertTrue(slices.complete());
        for (int i = 0; i < 3; i++) {
            assertEquals(crc32c(body, (int) slices.start(i), (int) slices.end(i)), slices.crcs()[i], "slice " + i);
        }
        assertArrayEquals(body, get(cache, "/seg.mp4").body());
        assertEquals(3, origin.requests());
    }

    @Test
    void aRangeOnAMissOfALargeObjectPullsOnlyTheSliceThatHoldsIt() throws Exception {
        byte[] body = bytes(BIG, 13);
        RangedObject object = new RangedObject(body, "\"r1\"");
        ScriptedOrigin origin = scripted(object);
        ZeroedgeServer cache = slicedCache(origin.port(), newCacheDir());

        // The last 1,000 bytes: one request of a slice's worth from the end, which holds the whole last slice.
        Response tail = get(cache, "/big.mp4", "Range: bytes=-1000");
        assertEquals(206, tail.status());
        assertEquals("bytes 179000-179999/" + BIG, tail.header("Content-Range"));
        assertArrayEquals(Arrays.copyOfRange(body, BIG - 1000, BIG), tail.body());
        assertEquals(List.of("bytes=-65536"), rangesAsked(origin, 0));
        assertEquals(SLICE, object.bytesSent());

        // A range within the middle slice: that slice alone; the last one is there already.
        Response middle = get(cache, "/big.mp4", "Range: bytes=70000-70999");
        assertEquals(206, middle.status());
        assertEquals("zeroedge; fwd=partial", middle.header("Cache-Status"));
        assertArrayEquals(Arrays.copyOfRange(body, 70000, 71000), middle.body());
        Response last = get(cache, "/big.mp4", "Range: bytes=150000-150099");
        assertArrayEquals(Arrays.copyOfRange(body, 150000, 150100), last.body());
        assertEquals(List.of("bytes=-65536", "bytes=65536-131071"), rangesAsked(origin, 0));
        assertEquals(2L * SLICE, object.bytesSent());
    }

    @Test
    void aNewVersionBetweenSlicesDiscardsTheObjectAndCutsItsClientShort() throws Exception {
        byte[] v1 = bytes(BIG, 17);
        byte[] v2 = bytes(BIG, 19);
        RangedObject object = new RangedObject(v1, "\"v1\"");
        object.changeAfter(1, v2, "\"v2\"");
        ScriptedOrigin origin = scripted(object);
        ZeroedgeServer cache = slicedCache(origin.port(), newCacheDir());

        ByteArrayOutputStream received = new ByteArrayOutputStream();
        try (RawHttp http = new RawHttp(cache.port())) {
            Response head = http.send("GET /live.mp4 HTTP/1.1\r\nHost: edge.test\r\n\r\n").readHead();
            assertEquals(200, head.status());
            assertEquals(Integer.toString(BIG), head.header("Content-Length"));
            try {
                http.input().transferTo(received);
            } catch (IOException e) {
                // A reset after the close: what came before it counts.
            }
        }
        // The first slice of v1, then the close: never a byte of v2 under v1's head, never the whole length.
        assertEquals(SLICE, received.size());
        assertArrayEquals(Arrays.copyOf(v1, SLICE), received.toByteArray());
        assertEquals("\"v1\"", ScriptedOrigin.field(origin.heads().get(1), "if-match"));

        Response again = get(cache, "/live.mp4");
        assertEquals(200, again.status());
        assertEquals("\"v2\"", again.header("ETag"));
        assertArrayEquals(v2, again.body());
    }

    @Test
    void anOriginThatIgnoresRangeIsFilledAsOneObject() throws Exception {
        byte[] body = bytes(BIG, 29);
        ScriptedOrigin origin = scripted((head, out, socket) -> {
            out.write(ScriptedOrigin.head("200 OK", "Content-Length: " + body.length, "Cache-Control: max-age=600",
                    "ETag: \"w1\""));
            out.write(body);
            return true;
        });
        Path dir = newCacheDir();
        ZeroedgeServer cache = slicedCache(origin.port(), dir);
        Response miss = get(cache, "/whole.bin", "Range: bytes=100000-100009");
        assertEquals(206, miss.status());
        assertArrayEquals(Arrays.copyOfRange(body, 100000, 100010), miss.body());
        assertEquals(List.of("bytes=65536-131071"), rangesAsked(origin, 0));
        // The client had its ten bytes long before the rest came: the object is committed a moment later.
        assertEquals(1, eventually(lastCache::objects, 1));
        SliceMap one = storedMetadata(dir).slices();
        assertEquals(1, one.count(), "an object fetched whole is one slice");
        assertEquals(crc32c(body, 0, BIG), one.crcs()[0]);
        Response hit = get(cache, "/whole.bin");
        assertEquals("zeroedge; hit", hit.header("Cache-Status"));
        assertArrayEquals(body, hit.body());
        assertEquals(1, origin.requests());
    }

    @Test
    void aRestartKeepsTheCommittedSlicesAndFetchesOnlyTheMissingOnes() throws Exception {
        byte[] body = bytes(BIG, 31);
        RangedObject object = new RangedObject(body, "\"k1\"");
        ScriptedOrigin origin = scripted(object);
        Path dir = newCacheDir();
        ZeroedgeServer first = slicedCache(origin.port(), dir);
        Response middle = get(first, "/kept.mp4", "Range: bytes=70000-70999");
        assertArrayEquals(Arrays.copyOfRange(body, 70000, 71000), middle.body());
        first.shutdown(Duration.ofSeconds(1));
        assertEquals(1, origin.requests());

        ZeroedgeServer second = slicedCache(origin.port(), dir);
        Response whole = get(second, "/kept.mp4");
        assertEquals(200, whole.status());
        assertEquals("\"k1\"", whole.header("ETag"));
        assertArrayEquals(body, whole.body());
        assertEquals(List.of("bytes=65536-131071", "bytes=0-65535", "bytes=131072-179999"), rangesAsked(origin, 0));
        Response hit = get(second, "/kept.mp4");
        assertEquals("zeroedge; hit", hit.header("Cache-Status"));
        assertArrayEquals(body, hit.body());
        assertEquals(3, origin.requests());
    }

    @Test
    void a416AsksOnceMoreAndAContentRangeOtherThanAskedIs502() throws Exception {
        // An empty object: 416 to slice 0, then asked without Range.
        RangedObject empty = new RangedObject(new byte[0], "\"e0\"");
        ScriptedOrigin emptyOrigin = scripted(empty);
        ZeroedgeServer cache = slicedCache(emptyOrigin.port(), newCacheDir());
        Response nothing = get(cache, "/empty");
        assertEquals("HTTP/1.1 200 OK", nothing.statusLine());
        assertEquals("0", nothing.header("Content-Length"));
        assertEquals(Arrays.asList("bytes=0-65535", null), rangesAsked(emptyOrigin, 0));

        // A client's first byte past the end: its slice is 416, slice 0 is asked, and the ladder answers 416.
        byte[] body = bytes(BIG, 37);
        RangedObject object = new RangedObject(body, "\"p1\"");
        ScriptedOrigin origin = scripted(object);
        ZeroedgeServer second = slicedCache(origin.port(), newCacheDir());
        Response past = get(second, "/past.mp4", "Range: bytes=500000-");
        assertEquals(416, past.status());
        assertEquals("bytes */" + BIG, past.header("Content-Range"));
        assertEquals(List.of("bytes=458752-524287", "bytes=0-65535"), rangesAsked(origin, 0));

        // An origin that answers another range than the one asked.
        ScriptedOrigin wrong = scripted((head, out, socket) -> {
            out.write(ScriptedOrigin.head("206 Partial Content", "Content-Length: 10",
                    "Content-Range: bytes 10-19/" + BIG, "Cache-Control: max-age=600"));
            out.write(new byte[10]);
            return true;
        });
        ZeroedgeServer third = slicedCache(wrong.port(), newCacheDir());
        Response bad = get(third, "/wrong.mp4");
        assertEquals(502, bad.status());
        assertEquals("zeroedge; fwd=miss; detail=origin-bad-range", bad.header("Cache-Status"));
    }

    @Test
    void concurrentReadersOfAMissingSliceShareOneFetchAndAHeadFetchesNothing() throws Exception {
        byte[] body = bytes(BIG, 41);
        RangedObject object = new RangedObject(body, "\"c1\"");
        ScriptedOrigin origin = scripted(object);
        ZeroedgeServer cache = slicedCache(origin.port(), newCacheDir());
        assertEquals(206, get(cache, "/shared.mp4", "Range: bytes=-10").status());
        try (RawHttp http = new RawHttp(cache.port())) {
            Response head = http.send("HEAD /shared.mp4 HTTP/1.1\r\nHost: edge.test\r\n\r\n").readHead();
            assertEquals(200, head.status());
            assertEquals(Integer.toString(BIG), head.header("Content-Length"));
        }
        assertEquals(1, origin.requests(), "a HEAD sends no body, so no slice is wanted");

        int clients = 20;
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            int from = SLICE + i * 1000;
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    Response part = get(cache, "/shared.mp4", "Range: bytes=" + from + "-" + (from + 99));
                    assertEquals(206, part.status());
                    assertArrayEquals(Arrays.copyOfRange(body, from, from + 100), part.body());
                } catch (Throwable t) {
                    failures.add(t);
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join(30_000);
        }
        assertEquals(List.of(), List.copyOf(failures));
        // Whether a reader came while the slice was under way or after it was committed, it was fetched once.
        assertEquals(List.of("bytes=-65536", "bytes=65536-131071"), rangesAsked(origin, 0));
    }

    // Revalidation and stale serving (RFC 9111 §4.3, §5.2.1; RFC 5861). The origin's Age makes an object stale
    // the moment it is stored (Age: 100 over max-age=60), so no test waits for a clock.

    /** The body file of the one object in {@code cacheDir} (not its metadata, not a temporary file). */
    private static Path bodyFile(Path cacheDir) throws IOException {
        try (Stream<Path> files = Files.walk(cacheDir)) {
            List<Path> bodies = files.filter(Files::isRegularFile)
                    .filter(p -> !p.getFileName().toString().endsWith(".meta"))
                    .filter(p -> !p.getParent().getFileName().toString().equals("tmp")).toList();
            assertEquals(1, bodies.size(), bodies.toString());
            return bodies.getFirst();
        }
    }

    private static Path metaFile(Path body) {
        return body.resolveSibling(body.getFileName() + ".meta");
    }

    /**
     * An origin of one object, version {@code v1} (ETag {@code "v1"}, fields {@code stored}); a request with
     * {@code If-None-Match: "v1"} is answered by {@code conditional} (after {@code gate} lets it), anything else 200.
     */
    private ScriptedOrigin versioned(String[] stored, String conditionalStatus, String[] conditional,
                                     CountDownLatch gate) throws IOException {
        return scripted((head, out, socket) -> {
            if ("\"v1\"".equals(ScriptedOrigin.field(head, "if-none-match"))) {
                if (gate != null) {
                    gate.await(10, TimeUnit.SECONDS);
                }
                boolean body = conditionalStatus.startsWith("2") || conditionalStatus.startsWith("5");
                String[] fields = Arrays.copyOf(conditional, conditional.length + 1);
                fields[conditional.length] = body ? "Content-Length: 5" : "X-Empty: 1";
                out.write(ScriptedOrigin.head(conditionalStatus, fields));
                if (body) {
                    out.write("world".getBytes(StandardCharsets.US_ASCII));
                }
                return true;
            }
            String[] fields = Arrays.copyOf(stored, stored.length + 1);
            fields[stored.length] = "Content-Length: 5";
            out.write(ScriptedOrigin.head("200 OK", fields));
            out.write("hello".getBytes(StandardCharsets.US_ASCII));
            return true;
        });
    }

    private static final String LAST_MODIFIED = "Last-Modified: Tue, 01 Dec 2020 10:00:00 GMT";

    /** Stores {@code /obj} from {@code origin} through {@code cache}, and waits for its commit. */
    private void store(ZeroedgeServer cache) throws Exception {
        Response miss = get(cache, "/obj");
        assertEquals("zeroedge; fwd=miss; stored", miss.header("Cache-Status"));
        assertEquals("hello", miss.bodyText());
        assertEquals(1, eventually(lastCache::objects, 1));
        // Its fill ends a moment after the index has the object; until then a client would join it (a hit).
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (lastCache.fillsUnderWay() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(0, lastCache.fillsUnderWay());
    }

    @Test
    void aStaleObjectIsRevalidatedAndA304RewritesOnlyItsMetadata() throws Exception {
        ScriptedOrigin origin = versioned(new String[] {"ETag: \"v1\"", LAST_MODIFIED, "Cache-Control: max-age=60",
                "Age: 100", "X-Version: 1", "X-Kept: yes"}, "304 Not Modified",
                new String[] {"ETag: \"v1\"", "Cache-Control: max-age=60", "X-Version: 2"}, null);
        Path dir = newCacheDir();
        ZeroedgeServer cache = cache(origin.port(), dir);
        store(cache);
        Path body = bodyFile(dir);
        Object inode = Files.getAttribute(body, "unix:ino");
        FileTime modified = Files.getLastModifiedTime(body);
        Object metaInode = Files.getAttribute(metaFile(body), "unix:ino");

        Response revalidated = get(cache, "/obj");
        assertEquals("HTTP/1.1 200 OK", revalidated.statusLine());
        assertEquals("zeroedge; fwd=stale; fwd-status=304", revalidated.header("Cache-Status"));
        assertEquals("hello", revalidated.bodyText());
        assertEquals("2", revalidated.header("X-Version"), "the 304's field replaces the stored one");
        assertEquals("yes", revalidated.header("X-Kept"), "a field the 304 did not send stays");
        assertEquals("\"v1\"", revalidated.header("ETag"));
        assertEquals("0", revalidated.header("Age"), "its age starts again with the 304");
        String conditional = origin.heads().get(1);
        assertEquals("\"v1\"", ScriptedOrigin.field(conditional, "if-none-match"));
        assertEquals("Tue, 01 Dec 2020 10:00:00 GMT", ScriptedOrigin.field(conditional, "if-modified-since"));

        Response hit = get(cache, "/obj");
        assertEquals("zeroedge; hit", hit.header("Cache-Status"));
        assertEquals("2", hit.header("X-Version"));
        assertEquals("hello", hit.bodyText());
        assertEquals(2, origin.requests());
        assertEquals(inode, Files.getAttribute(body, "unix:ino"), "the body file is the same file");
        assertEquals(modified, Files.getLastModifiedTime(body), "the body was not written");
        assertFalse(metaInode.equals(Files.getAttribute(metaFile(body), "unix:ino")), "new metadata renamed in");
        assertEquals(List.of(), leftoversAfterCleanup(dir));
        StoredObject onDisk = StoredObject.decode(Files.readAllBytes(metaFile(body)));
        assertEquals("2", onDisk.field("X-Version"), "the rewrite is on disk, not only in memory");
    }

    @Test
    void aStaleObjectThatChangedIsReplacedByThe200() throws Exception {
        ScriptedOrigin origin = versioned(new String[] {"ETag: \"v1\"", "Cache-Control: max-age=60", "Age: 100"},
                "200 OK", new String[] {"ETag: \"v2\"", "Cache-Control: max-age=60"}, null);
        ZeroedgeServer cache = cache(origin.port(), newCacheDir());
        store(cache);
        Response replaced = get(cache, "/obj");
        // RFC 9211: the cache had it, stale; the validation was answered with a new response.
        assertEquals("zeroedge; fwd=stale; fwd-status=200; stored", replaced.header("Cache-Status"));
        assertEquals("world", replaced.bodyText());
        assertEquals("\"v2\"", replaced.header("ETag"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        Response hit = get(cache, "/obj");
        while (!"zeroedge; hit".equals(hit.header("Cache-Status")) && System.nanoTime() < deadline) {
            Thread.sleep(10); // committed a moment after its client has it
            hit = get(cache, "/obj");
        }
        assertEquals("zeroedge; hit", hit.header("Cache-Status"));
        assertEquals("world", hit.bodyText());
        assertEquals("\"v2\"", hit.header("ETag"));
    }

    @Test
    void concurrentRequestsForAStaleObjectShareOneRevalidation() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        ScriptedOrigin origin = versioned(new String[] {"ETag: \"v1\"", "Cache-Control: max-age=60", "Age: 100"},
                "304 Not Modified", new String[] {"Cache-Control: max-age=60"}, gate);
        ZeroedgeServer cache = cache(origin.port(), newCacheDir());
        store(cache);
        int clients = 20;
        ConcurrentLinkedQueue<String> answers = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    Response r = get(cache, "/obj");
                    answers.add(r.status() + " " + r.bodyText());
                } catch (IOException e) {
                    answers.add(e.toString());
                }
            }));
        }
        assertEquals(2, eventually(origin::requests, 2), "the revalidation is asked");
        gate.countDown();
        for (Thread thread : threads) {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        }
        assertEquals(java.util.Collections.nCopies(clients, "200 hello"), List.copyOf(answers));
        // Those that came while it was asked waited for it; any that came after found the object fresh again.
        assertEquals(2, origin.requests(), "one revalidation for every client");
    }

    @Test
    void onlyIfCachedNeverAsksTheOrigin() throws Exception {
        ScriptedOrigin origin = versioned(new String[] {"ETag: \"v1\"", "Cache-Control: max-age=60", "Age: 100"},
                "304 Not Modified", new String[] {"Cache-Control: max-age=60"}, null);
        ZeroedgeServer cache = cache(origin.port(), newCacheDir());
        Response nothing = get(cache, "/obj", "Cache-Control: only-if-cached");
        assertEquals(504, nothing.status());
        assertEquals("zeroedge; fwd=miss; detail=only-if-cached", nothing.header("Cache-Status"));
        assertEquals(0, origin.requests());
        store(cache);
        Response stale = get(cache, "/obj", "Cache-Control: only-if-cached");
        assertEquals(504, stale.status(), "stale, and the origin may not be asked");
        Response staleAccepted = get(cache, "/obj", "Cache-Control: only-if-cached, max-stale=3600");
        assertEquals(200, staleAccepted.status());
        assertEquals("zeroedge; hit; detail=stale", staleAccepted.header("Cache-Status"));
        assertEquals("hello", staleAccepted.bodyText());
        assertEquals(1, origin.requests());
    }

    @Test
    void aRequestsMaxAgeZeroOrNoCacheRevalidatesAFreshObject() throws Exception {
        ScriptedOrigin origin = versioned(new String[] {"ETag: \"v1\"", "Cache-Control: max-age=600"},
                "304 Not Modified", new String[] {"Cache-Control: max-age=600"}, null);
        ZeroedgeServer cache = cache(origin.port(), newCacheDir());
        store(cache);
        assertEquals("zeroedge; hit", get(cache, "/obj").header("Cache-Status"));
        assertEquals("zeroedge; hit", get(cache, "/obj", "Cache-Control: max-age=3600, min-fresh=60")
                .header("Cache-Status"));
        Response reload = get(cache, "/obj", "Cache-Control: max-age=0");
        assertEquals("zeroedge; fwd=stale; fwd-status=304", reload.header("Cache-Status"));
        assertEquals("hello", reload.bodyText());
        Response noCache = get(cache, "/obj", "Cache-Control: no-cache");
        assertEquals("zeroedge; fwd=stale; fwd-status=304", noCache.header("Cache-Status"));
        Response notFreshEnough = get(cache, "/obj", "Cache-Control: min-fresh=3600");
        assertEquals("zeroedge; fwd=stale; fwd-status=304", notFreshEnough.header("Cache-Status"));
        assertEquals(4, origin.requests());
        assertEquals("\"v1\"", ScriptedOrigin.field(origin.heads().get(3), "if-none-match"));
    }

    @Test
    void staleWhileRevalidateAnswersAtOnceAndRevalidatesOnceInTheBackground() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        ScriptedOrigin origin = versioned(new String[] {"ETag: \"v1\"",
                "Cache-Control: max-age=60, stale-while-revalidate=600", "Age: 100"}, "304 Not Modified",
                new String[] {"Cache-Control: max-age=60, stale-while-revalidate=600", "X-Version: 2"}, gate);
        ZeroedgeServer cache = cache(origin.port(), newCacheDir());
        store(cache);
        // The origin holds the revalidation until the gate opens: every client here is answered while it is held.
        for (int i = 0; i < 5; i++) {
            Response stale = get(cache, "/obj");
            assertEquals("zeroedge; hit; detail=stale-while-revalidate", stale.header("Cache-Status"));
            assertEquals("hello", stale.bodyText());
            assertNull(stale.header("X-Version"));
        }
        assertEquals(2, eventually(origin::requests, 2));
        gate.countDown();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        Response after = get(cache, "/obj");
        while (!"zeroedge; hit".equals(after.header("Cache-Status")) && System.nanoTime() < deadline) {
            Thread.sleep(10);
            after = get(cache, "/obj");
        }
        assertEquals("zeroedge; hit", after.header("Cache-Status"));
        assertEquals("2", after.header("X-Version"));
        assertEquals(2, origin.requests(), "one background revalidation");
    }

    @Test
    void staleIfErrorServesTheStaleObjectWhenTheOriginFailsWithinTheCeiling() throws Exception {
        ScriptedOrigin origin = versioned(new String[] {"ETag: \"v1\"",
                "Cache-Control: max-age=60, stale-if-error=600", "Age: 100"}, "503 Service Unavailable",
                new String[] {"Cache-Control: no-store"}, null);
        Path dir = newCacheDir();
        ZeroedgeServer cache = cache(origin.port(), dir);
        store(cache);
        Response on5xx = get(cache, "/obj");
        assertEquals("HTTP/1.1 200 OK", on5xx.statusLine());
        assertEquals("zeroedge; fwd=stale; detail=stale-if-error", on5xx.header("Cache-Status"));
        assertEquals("hello", on5xx.bodyText());
        assertEquals(2, origin.requests());
        stopCaches();

        // The origin down: the same cache directory behind a port nobody listens on (a connect error).
        ZeroedgeServer down = cache(closedPort(), dir);
        Response unreachable = get(down, "/obj");
        assertEquals("HTTP/1.1 200 OK", unreachable.statusLine());
        assertEquals("zeroedge; fwd=stale; detail=stale-if-error", unreachable.header("Cache-Status"));
        assertEquals("hello", unreachable.bodyText());
        stopCaches();

        // The operator's ceiling (40 s stale is past 10 s) wins over the origin's 600 s.
        ZeroedgeServer bounded = cache(closedPort(), dir, Duration.ofSeconds(5),
                c -> c.withStaleMax(Duration.ofSeconds(10)));
        Response past = get(bounded, "/obj");
        assertEquals(504, past.status());
        assertEquals("zeroedge; fwd=miss; detail=revalidation-failed", past.header("Cache-Status"));
    }

    @Test
    void mustRevalidateIsNeverServedStaleA504Instead() throws Exception {
        ScriptedOrigin origin = versioned(new String[] {"ETag: \"v1\"",
                "Cache-Control: max-age=60, must-revalidate, stale-if-error=600, stale-while-revalidate=600",
                "Age: 100"}, "304 Not Modified", new String[] {"Cache-Control: max-age=60"}, null);
        Path dir = newCacheDir();
        store(cache(origin.port(), dir));
        stopCaches();
        ZeroedgeServer down = cache(closedPort(), dir);
        Response refused = get(down, "/obj", "Cache-Control: max-stale=3600");
        assertEquals(504, refused.status());
        assertEquals("zeroedge; fwd=miss; detail=revalidation-failed", refused.header("Cache-Status"));
    }

    @Test
    void purgeFromLoopbackRemovesTheObjectAndTheNextRequestFetchesItAgain() throws Exception {
        ScriptedOrigin origin = versioned(new String[] {"ETag: \"v1\"", "Cache-Control: max-age=600"},
                "304 Not Modified", new String[] {"Cache-Control: max-age=600"}, null);
        Path dir = newCacheDir();
        ZeroedgeServer cache = cache(origin.port(), dir);
        store(cache);
        Path body = bodyFile(dir);
        try (RawHttp http = new RawHttp(cache.port())) {
            Response purged = http.exchange("PURGE /obj HTTP/1.1\r\nHost: edge.test\r\n\r\n");
            assertEquals(200, purged.status());
            Response again = http.exchange("PURGE /obj HTTP/1.1\r\nHost: edge.test\r\n\r\n");
            assertEquals(404, again.status(), "nothing stored any more");
            Response never = http.exchange("PURGE /never HTTP/1.1\r\nHost: edge.test\r\n\r\n");
            assertEquals(404, never.status());
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while ((Files.exists(body) || Files.exists(metaFile(body))) && System.nanoTime() < deadline) {
            Thread.sleep(10); // unlinked on a file-system thread
        }
        assertFalse(Files.exists(body));
        assertFalse(Files.exists(metaFile(body)));
        Response refetched = get(cache, "/obj");
        assertEquals("zeroedge; fwd=miss; stored", refetched.header("Cache-Status"));
        assertEquals("hello", refetched.bodyText());
        assertEquals(2, origin.requests());
        assertNull(ScriptedOrigin.field(origin.heads().get(1), "if-none-match"), "purged: fetched, not revalidated");
    }
}
