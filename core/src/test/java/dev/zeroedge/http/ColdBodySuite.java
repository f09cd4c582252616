package dev.zeroedge.http;

import dev.zeroedge.server.ServerConfig;
import dev.zeroedge.server.ZeroedgeServer;
import dev.zeroedge.testing.LeakRecorder;
import dev.zeroedge.testing.Leftovers;
import dev.zeroedge.testing.RawHttp;
import dev.zeroedge.testing.RawHttp.Response;
import dev.zeroedge.testing.SlowFileSystem;
import dev.zeroedge.transport.Transport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Bodies whose pages are not in the page cache, in every mode: while one connection's body waits for the disk,
 * another connection on the same single event loop is answered as if nothing were waiting. Each transport
 * module runs it with a one-line subclass.
 *
 * <p>The cold files live on {@link SlowFileSystem} (FUSE) where every read waits {@link #DELAY}; opens and stats
 * are not delayed, so what is slow is the body alone. FUSE drops a file's cached pages whenever it is opened
 * again (no {@code keep_cache}), so with the open-file cache off every request meets a file none of whose
 * pages are in memory: every request here is cold, on every run. The hot files are on the ordinary disk, just
 * written, so in the page cache.
 *
 * <p>The bound that proves it: while a cold body is on its way, the hot file is asked for again and again,
 * back to back, and every hot response must arrive within half an injected delay. An event loop that waited
 * for one read of the cold body would hold, for that read's whole second, whichever hot request arrived just
 * after it began (they follow each other within milliseconds), so one of them would take nearly a second; a
 * loop that never waits answers each in a few milliseconds. The delay is a second rather than 200 ms because
 * this machine is shared and loaded (load average 8 on 2 cores): hot responses were seen to take up to 220 ms
 * there with nothing blocking the loop (a sampled stack of the loop showed it running requests), so a bound of
 * 100 ms could not tell a stall from the machine's noise; half a second can. That the cold response itself took at
 * least one delay shows that its reads really were waited for, by someone other than the loop.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class ColdBodySuite {

    static final Duration DELAY = Duration.ofSeconds(1);
    static final long SLICE = 64 * 1024;
    static final int BIG = 128 * 1024;
    static final int SMALL = 8 * 1024;
    static final int RANGED = 64 * 1024;
    static final int LONG = 256 * 1024;
    static final int PAGE = 4096;

    private Path base;
    private Path cold;
    private SlowFileSystem slow;
    private byte[] big;
    private byte[] small;
    private byte[] longBody;
    private byte[] evicted;
    private byte[] evictedInline;
    private byte[] hotBig;
    private byte[] hotSmall;
    private ZeroedgeServer server;

    /** The transport under test. */
    protected abstract Transport transport();

    @BeforeAll
    void mountAndStart() throws Exception {
        Transport transport = transport();
        transport.availability().ensureAvailable();
        base = Files.createTempDirectory("zeroedge-coldbody");
        Path source = Files.createDirectory(base.resolve("source"));
        Path root = Files.createDirectory(base.resolve("root"));
        cold = Files.createDirectory(root.resolve("cold"));
        big = Files.readAllBytes(Files.write(source.resolve("big.bin"), pattern(BIG, 7)));
        small = Files.readAllBytes(Files.write(source.resolve("small.bin"), pattern(SMALL, 11)));
        for (String name : List.of("a.bin", "b.bin", "c.bin", "d.bin")) {
            Files.write(source.resolve(name), pattern(RANGED, name.charAt(0)));
        }
        evicted = Files.readAllBytes(Files.write(source.resolve("evicted.bin"), pattern(PAGE, 23)));
        evictedInline = Files.readAllBytes(Files.write(source.resolve("evicted-inline.bin"), pattern(PAGE, 29)));
        longBody = Files.readAllBytes(Files.write(source.resolve("long.bin"), pattern(LONG, 19)));
        hotBig = Files.readAllBytes(Files.write(root.resolve("hot.bin"), pattern(BIG, 13)));
        hotSmall = Files.readAllBytes(Files.write(root.resolve("hot.txt"), pattern(2048, 17)));
        slow = SlowFileSystem.mount(source, cold, DELAY, Set.of("read"));
        // One loop, so the hot connection shares it with the cold one. No open-file cache: every request opens
        // its file again, and FUSE drops the file's pages at each open. Small slices: a cold body of several.
        ServerConfig config = ServerConfig.of(root, new InetSocketAddress("127.0.0.1", 0)).withEventLoops(1)
                .withOpenFileCache(0, Duration.ofSeconds(1)).withMaxSlice(SLICE).withGracePeriod(Duration.ofSeconds(1));
        server = ZeroedgeServer.start(config, transport);
    }

    @AfterAll
    void stopAndUnmount() throws Exception {
        try {
            if (server != null) {
                server.shutdown(Duration.ofSeconds(1));
            }
            for (String name : List.of("big.bin", "small.bin", "long.bin", "a.bin", "b.bin", "c.bin", "d.bin",
                    "evicted.bin", "evicted-inline.bin")) {
                assertEquals("", Leftovers.awaitNone(cold.resolve(name), 5_000));
            }
        } finally {
            if (slow != null) {
                slow.close();
            }
            if (base != null) {
                try (Stream<Path> walk = Files.walk(base)) {
                    for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(p);
                    }
                }
            }
        }
        assertTrue(LeakRecorder.installed(), "leak recorder not installed at PARANOID in this JVM");
        assertEquals(List.of(), LeakRecorder.collect(), "Netty buffers leaked");
    }

    /** Several slices, each cold: sendfile, a mapping or a pread would wait for each on the loop. */
    @Test
    void aColdBodyInSlicesDoesNotDelayAHotOneOnTheSameLoop() throws Exception {
        Response coldResponse = whileHotIsAskedFor(get("/cold/big.bin"), "/hot.bin", hotBig).response();
        assertEquals("HTTP/1.1 200 OK", coldResponse.statusLine());
        assertEquals(Integer.toString(BIG), coldResponse.header("Content-Length"));
        assertArrayEquals(big, coldResponse.body());
    }

    /** A body small enough to be copied behind its head: its pread, in every mode uring-splice included. */
    @Test
    void aColdInlineBodyDoesNotDelayAHotOneOnTheSameLoop() throws Exception {
        Response coldResponse = whileHotIsAskedFor(get("/cold/small.bin"), "/hot.txt", hotSmall).response();
        assertEquals("HTTP/1.1 200 OK", coldResponse.statusLine());
        assertEquals(Integer.toString(SMALL), coldResponse.header("Content-Length"));
        assertArrayEquals(small, coldResponse.body());
    }

    /** Two parts far apart, both cold: the second is warmed after the first is out, and the bytes are exact. */
    @Test
    void aColdMultipartBodyArrivesExact() throws Exception {
        Response coldResponse = whileHotIsAskedFor(get("/cold/big.bin", "Range: bytes=0-99,100000-100099"),
                "/hot.txt", hotSmall).response();
        assertEquals("HTTP/1.1 206 Partial Content", coldResponse.statusLine());
        String type = coldResponse.header("Content-Type");
        String boundary = type.substring(type.indexOf("boundary=") + "boundary=".length());
        List<byte[]> parts = MultipartParts.parse(coldResponse.body(), boundary,
                List.of("bytes 0-99/" + BIG, "bytes 100000-100099/" + BIG), "application/octet-stream");
        assertArrayEquals(Arrays.copyOfRange(big, 0, 100), parts.get(0));
        assertArrayEquals(Arrays.copyOfRange(big, 100000, 100100), parts.get(1));
    }

    /**
     * A cold body whose pages are dropped again as soon as nothing holds them (every half millisecond), as memory
     * pressure at its worst does, arrives exact while the loop waits for none of its reads: a whole file of one page
     * (sent as a slice: inline bodies only up to 1 KiB here) and, at the same time, 100 bytes of another (an inline
     * body, copied behind its head; another file, as a second open of the same file would drop its pages while they
     * are read). Reading a range into the page cache on a file-system thread and then sending it from the loop, as
     * the pool modes did (and every mode for an inline body), meets the page gone again at the loop's send, which
     * then reads the disk itself: a hot response waits a whole delay. What reads in one pass holds the page from its
     * read on: the thread that waits for that very page (a sendfile, splice or pread) or maps it (epoll-mmap), and
     * then the socket buffer, the pipe or the mapping that references it.
     *
     * <p>No bound on how many reads it takes: the kernel itself reads a page again when it is dropped in the moment
     * between the end of its read and the wake-up of the reader waiting for it (that reader holds no reference while
     * it waits), and this eviction hits that moment now and then in every mode, uring-splice included (two or three
     * reads of the page seen). The one pass is shown by counting the slow disk's reads in
     * {@code scripts/bench-slow-disk.sh}.
     */
    @Test
    void aColdBodyWhosePagesDoNotStayIsReadInOnePass() throws Exception {
        ZeroedgeServer small = ZeroedgeServer.start(server.config().withInlineBodyMax(1024), transport());
        List<Cold> sent;
        try (AutoCloseable drops = slow.evicting(List.of(cold.resolve("evicted.bin"),
                cold.resolve("evicted-inline.bin")))) {
            sent = whileHotIsAskedFor(small, List.of(get("/cold/evicted.bin"),
                    get("/cold/evicted-inline.bin", "Range: bytes=1000-1099")), "/hot.txt", hotSmall);
        } finally {
            small.shutdown(Duration.ofSeconds(1));
        }
        assertEquals("HTTP/1.1 200 OK", sent.get(0).response().statusLine());
        assertArrayEquals(evicted, sent.get(0).response().body());
        assertEquals("HTTP/1.1 206 Partial Content", sent.get(1).response().statusLine());
        assertArrayEquals(Arrays.copyOfRange(evictedInline, 1000, 1100), sent.get(1).response().body());
    }

    /**
     * One file-system thread and a queue of one: while the first cold range is read and the second waits, a
     * third has nowhere to go and is refused whole, 503 with Retry-After, before any byte of it is out; the two
     * others arrive exact. The ranges are small bodies of large files, which no mode holds in memory and every
     * mode reads on its loop. The names stay in the open-file cache, so their lookups need no thread; the test
     * then opens each file once itself, and FUSE drops its pages.
     */
    @Test
    void aColdBodyThatFindsTheFileSystemQueueFullIsRefusedWithRetryAfter() throws Exception {
        ZeroedgeServer busy = ZeroedgeServer.start(server.config().withOpenFileCache(16, Duration.ofSeconds(60))
                .withFileSystemPool(1, 1), transport());
        try {
            String range = "Range: bytes=0-8191";
            for (String name : List.of("a.bin", "b.bin", "c.bin")) {
                try (RawHttp http = new RawHttp(busy.port())) {
                    assertEquals(206, http.exchange(get("/cold/" + name, range)).status());
                }
                try (FileChannel dropsThePages = FileChannel.open(cold.resolve(name))) {
                    assertEquals(RANGED, dropsThePages.size());
                }
            }
            try (RawHttp a = new RawHttp(busy.port()); RawHttp b = new RawHttp(busy.port());
                 RawHttp c = new RawHttp(busy.port())) {
                a.send(get("/cold/a.bin", range));
                Thread.sleep(50);
                b.send(get("/cold/b.bin", range));
                Thread.sleep(50);
                Response refused = c.exchange(get("/cold/c.bin", range));
                assertEquals("HTTP/1.1 503 Service Unavailable", refused.statusLine());
                assertEquals("1", refused.header("Retry-After"));
                assertEquals("close", refused.header("Connection"));
                assertTrue(c.closedByServer(5_000));
                for (var client : List.of(a, b)) {
                    Response sent = client.read();
                    assertEquals("HTTP/1.1 206 Partial Content", sent.statusLine());
                    byte expected = (byte) (client == a ? 'a' : 'b');
                    assertArrayEquals(Arrays.copyOf(pattern(RANGED, expected), 8192), sent.body());
                }
            }
        } finally {
            busy.shutdown(Duration.ofSeconds(1));
        }
    }

    /**
     * A body past its first slice that finds the file-system queue full waits and arrives whole: it cannot be
     * refused any more. One thread and a queue of one, slices of 128 KiB, a send buffer of 16 KiB and a client
     * that does not read at first, so the first slice stays on its way until the test lets it go. The steps
     * follow what the clients see, not a clock: the long body's first body bytes arrive (its first slice was read,
     * the thread now reads a's range); b's range then waits in the queue, and d's is refused (the queue is full
     * now and stays full until a's read ends, a whole delay later); then the client reads, and the second
     * slice finds the queue full. The names are cached by a HEAD each, which reads no page.
     */
    @Test
    void aBodyPastItsFirstSliceWaitsForAFullFileSystemQueue() throws Exception {
        // Not a missing feature but a mode without the case: its slices go to io-wq workers, never to the pool.
        assumeTrue(transport().readsFileOnEventLoop(), "this mode's slices are never read on the file-system threads");
        ZeroedgeServer busy = ZeroedgeServer.start(server.config().withOpenFileCache(16, Duration.ofSeconds(60))
                .withFileSystemPool(1, 1).withMaxSlice(128 * 1024).withSendBuffer(16 * 1024), transport());
        try {
            String range = "Range: bytes=0-8191";
            for (String name : List.of("long.bin", "a.bin", "b.bin", "d.bin")) {
                try (RawHttp http = new RawHttp(busy.port())) {
                    assertEquals(200, http.send("HEAD /cold/" + name + " HTTP/1.1\r\nHost: a\r\n\r\n").readHead()
                            .status());
                }
            }
            try (RawHttp longClient = new RawHttp(busy.port(), 16 * 1024); RawHttp a = new RawHttp(busy.port());
                 RawHttp b = new RawHttp(busy.port()); RawHttp d = new RawHttp(busy.port())) {
                longClient.send(get("/cold/long.bin"));
                Thread.sleep(DELAY.toMillis() / 10);
                a.send(get("/cold/a.bin", range));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                // More than a head: the sendfile modes send the head before the thread reads the first slice.
                while (longClient.input().available() <= 1024) {
                    assertTrue(System.nanoTime() < deadline, "the long body's first slice never came");
                    Thread.sleep(5);
                }
                // A sendfile mode's thread puts those bytes in the socket itself, a moment before its work ends and
                // it takes a's: a's read then lasts a whole delay.
                Thread.sleep(DELAY.toMillis() / 10);
                b.send(get("/cold/b.bin", range));
                Thread.sleep(20);
                Response refused = d.exchange(get("/cold/d.bin", range));
                assertEquals("HTTP/1.1 503 Service Unavailable", refused.statusLine(), "the queue was full");
                Response head = longClient.readHead();
                assertEquals("HTTP/1.1 200 OK", head.statusLine());
                assertEquals(Integer.toString(LONG), head.header("Content-Length"));
                assertArrayEquals(longBody, longClient.input().readNBytes(LONG));
                for (var client : List.of(a, b)) {
                    Response sent = client.read();
                    assertEquals("HTTP/1.1 206 Partial Content", sent.statusLine());
                    byte expected = (byte) (client == a ? 'a' : 'b');
                    assertArrayEquals(Arrays.copyOf(pattern(RANGED, expected), 8192), sent.body());
                }
            }
        } finally {
            busy.shutdown(Duration.ofSeconds(1));
        }
    }

    /**
     * Sends {@code coldRequest} on one connection and, until its response is complete, for {@code hotTarget}
     * on another, back to back; checks every hot response (bytes, and the half-delay bound of the class
     * comment) and that the cold one took at least one delay. Returns the cold response and how long it took.
     */
    private Cold whileHotIsAskedFor(String coldRequest, String hotTarget, byte[] hotBytes) throws Exception {
        return whileHotIsAskedFor(server, List.of(coldRequest), hotTarget, hotBytes).get(0);
    }

    /** The same against {@code target}, with each of {@code coldRequests} on a connection of its own, all at once. */
    private List<Cold> whileHotIsAskedFor(ZeroedgeServer target, List<String> coldRequests, String hotTarget,
                                          byte[] hotBytes) throws Exception {
        List<RawHttp> coldClients = new ArrayList<>();
        // A thread per cold connection: the common pool may have one thread on a 2-CPU machine, which would send
        // each request only when the one before is answered.
        ExecutorService askers = Executors.newFixedThreadPool(coldRequests.size());
        try (RawHttp hot = new RawHttp(target.port())) {
            for (int i = 0; i < coldRequests.size(); i++) {
                coldClients.add(new RawHttp(target.port()));
            }
            for (int i = 0; i < 20; i++) {
                assertArrayEquals(hotBytes, hot.exchange(get(hotTarget)).body());
            }
            long asked = System.nanoTime();
            List<CompletableFuture<Cold>> coldResponses = new ArrayList<>();
            for (int i = 0; i < coldRequests.size(); i++) {
                RawHttp coldClient = coldClients.get(i);
                String coldRequest = coldRequests.get(i);
                coldResponses.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        Response response = coldClient.exchange(coldRequest);
                        return new Cold(response, Duration.ofNanos(System.nanoTime() - asked));
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                }, askers));
            }
            long slowest = 0;
            int hotResponses = 0;
            while (!coldResponses.stream().allMatch(CompletableFuture::isDone)) {
                long start = System.nanoTime();
                Response response = hot.exchange(get(hotTarget));
                slowest = Math.max(slowest, System.nanoTime() - start);
                hotResponses++;
                assertEquals(200, response.status(), () -> "hot response " + response + ": " + response.bodyText());
                assertArrayEquals(hotBytes, response.body());
            }
            List<Cold> answers = new ArrayList<>();
            for (CompletableFuture<Cold> coldResponse : coldResponses) {
                Cold answer = coldResponse.get(10, TimeUnit.SECONDS);
                assertTrue(answer.took().compareTo(DELAY) >= 0, "the cold body took " + answer.took()
                        + ": it was not cold");
                answers.add(answer);
            }
            Duration coldTook = Duration.ofNanos(System.nanoTime() - asked);
            assertTrue(Duration.ofNanos(slowest).compareTo(DELAY.dividedBy(2)) < 0, "the slowest of " + hotResponses
                    + " hot responses took " + Duration.ofNanos(slowest) + " while the cold bodies took " + coldTook);
            return answers;
        } finally {
            askers.shutdownNow();
            for (RawHttp coldClient : coldClients) {
                coldClient.close();
            }
        }
    }

    private record Cold(Response response, Duration took) {
    }

    private static String get(String target) {
        return "GET " + target + " HTTP/1.1\r\nHost: a\r\n\r\n";
    }

    private static String get(String target, String field) {
        return "GET " + target + " HTTP/1.1\r\nHost: a\r\n" + field + "\r\n\r\n";
    }

    private static byte[] pattern(int length, int seed) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (i * seed + i / 4093 + seed);
        }
        return bytes;
    }
}
