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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Shares of the cache by origin ({@code origins:} with {@code max-size}): two Hosts, two origins, a 64 KiB cache of
 * which {@code small.test}'s origin has 24 KiB (three 8 KiB objects) and {@code www.test}'s (the default) shares the
 * rest. Filling {@code small.test} far past its share evicts its own objects only: every {@code www.test} object
 * stays a hit and its origin is not asked again; the same after a restart, whose recovery puts each object back in
 * its origin's share. One mode (nio-sendfile): this is the index's logic, not the sender's.
 */
class OriginSharesTest {

    private static final int OBJECT = 8 * 1024;
    private static final long TOTAL = 64 * 1024;
    private static final long SHARE = 3 * OBJECT;

    @TempDir
    Path work;
    private final List<AutoCloseable> open = new ArrayList<>();
    private ScriptedOrigin small;
    private ScriptedOrigin www;
    private ZeroedgeServer server;
    private EdgeCache cache;

    /** 8 KiB, each byte the path's last character, cacheable for an hour. */
    private static ScriptedOrigin.Script answering() {
        return (head, out, socket) -> {
            String path = head.substring(4, head.indexOf(' ', 4));
            byte[] body = new byte[OBJECT];
            Arrays.fill(body, (byte) path.charAt(path.length() - 1));
            out.write(ScriptedOrigin.head("200 OK", "Content-Length: " + body.length, "Cache-Control: max-age=3600"));
            out.write(body);
            return true;
        };
    }

    @BeforeEach
    void origins() throws IOException {
        small = new ScriptedOrigin(answering());
        www = new ScriptedOrigin(answering());
        open.add(small);
        open.add(www);
    }

    private void start() throws IOException {
        CacheConfig config = CacheConfig.of("http://127.0.0.1:" + www.port(), work.resolve("cache")).withMaxSize(TOTAL)
                .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(5));
        Origins origins = new Origins(OriginRoute.of(config), Map.of("small.test",
                OriginRoute.of("http://127.0.0.1:" + small.port()).withMaxSize(SHARE)));
        Routing routing = new Routing(origins, List.of(), new CdnLoop("edge-test:1"), Routing.DEFAULT_PROBE_EVERY);
        Transport transport = Transports.load().require(Mode.NIO_SENDFILE);
        EdgeCache[] source = new EdgeCache[1];
        server = ZeroedgeServer.start(ServerConfig.of(work, new InetSocketAddress("127.0.0.1", 0))
                        .withEventLoops(1).withGracePeriod(Duration.ofSeconds(1)), transport,
                (c, opener, pool) -> source[0] = EdgeCache.open(config, routing, transport, pool, false,
                        new CacheCounters()));
        cache = source[0];
    }

    private void stopServer() {
        server.shutdown(Duration.ofSeconds(1));
        server = null;
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            stopServer();
        }
        for (AutoCloseable c : open.reversed()) {
            c.close();
        }
        assertEquals(List.of(), LeakRecorder.collect(), "Netty buffers leaked");
    }

    private Response get(String host, String path, String... fields) throws IOException {
        try (RawHttp http = new RawHttp(server.port())) {
            StringBuilder extra = new StringBuilder();
            for (String field : fields) {
                extra.append(field).append("\r\n");
            }
            return http.exchange("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n" + extra + "\r\n");
        }
    }

    /** A miss stored, and waited for until the index holds it (the next fill's reservation then sees it). */
    private void fill(String host, String path, long objectsAfter) throws Exception {
        Response response = get(host, path);
        assertEquals(200, response.status(), host + path);
        assertEquals(OBJECT, response.body().length);
        assertEquals("zeroedge; fwd=miss; stored", response.header("Cache-Status"), host + path);
        eventually(() -> cache.fillsUnderWay() == 0 && cache.objects() == objectsAfter, host + path);
    }

    /** How many of {@code paths} of {@code host} the cache answers itself ({@code only-if-cached}: no fill). */
    private int hits(String host, String... paths) throws IOException {
        int hits = 0;
        for (String path : paths) {
            Response response = get(host, path, "Cache-Control: only-if-cached");
            if (response.status() == 200) {
                assertEquals("zeroedge; hit", response.header("Cache-Status"), host + path);
                hits++;
            } else {
                assertEquals(504, response.status(), host + path);
            }
        }
        return hits;
    }

    private OriginStored stored(ScriptedOrigin origin) {
        return cache.storedByOrigin().stream()
                .filter(o -> o.origin().equals("http://127.0.0.1:" + origin.port())).findFirst().orElseThrow();
    }

    private static final String[] WWW = {"/w1", "/w2", "/w3", "/w4"};
    private static final String[] SMALL = {"/s1", "/s2", "/s3", "/s4", "/s5", "/s6", "/s7"};

    @Test
    void aFullShareEvictsItsOwnOriginsObjectsOnlyAndKeepsSoAfterARestart() throws Exception {
        start();
        long objects = 0;
        for (String path : WWW) {
            fill("www.test", path, ++objects);
        }
        // Seven objects of 8 KiB into a share of 24 KiB: from the fourth on, each fill evicts one of its own, so the
        // share holds three; the whole cache (64 KiB) would have held them all beside www.test's 32 KiB but two,
        // which without shares would have been evicted from either origin.
        for (int i = 0; i < SMALL.length; i++) {
            fill("small.test", SMALL[i], Math.min(objects + i + 1, objects + 3));
        }
        // The evicted objects' removal is counted on a file-system thread, a moment after the eviction.
        eventually(() -> stored(small).objects() == 3, "three objects of small.test");
        assertEquals(new OriginStored("http://127.0.0.1:" + small.port(), 3, SHARE, SHARE), stored(small));
        assertEquals(new OriginStored("http://127.0.0.1:" + www.port(), 4, 4L * OBJECT, OriginRoute.NO_SHARE),
                stored(www));
        assertEquals(4, hits("www.test", WWW), "no object of the other origin evicted");
        assertEquals(3, hits("small.test", SMALL));
        assertEquals(4, www.requests(), "the default origin asked once per object, never again");
        assertEquals(7, small.requests());
        assertEquals("zeroedge; hit", get("www.test", "/w1").header("Cache-Status"));
        // The evicted objects' files are gone (on the file-system threads) before the restart reads the directory.
        eventually(() -> bodyFiles() == 7, "7 body files");

        stopServer();
        start();
        cache.recovered().get(10, TimeUnit.SECONDS);
        assertEquals(new OriginStored("http://127.0.0.1:" + small.port(), 3, SHARE, SHARE), stored(small));
        assertEquals(4, stored(www).objects());
        // Recovered into its share: one more small.test object evicts one of small.test's three, not a www.test one.
        fill("small.test", "/s8", 7);
        assertEquals(4, hits("www.test", WWW));
        eventually(() -> stored(small).objects() == 3, "three objects of small.test");
        assertEquals(4, stored(www).objects());
        assertEquals(4, www.requests(), "not asked again after the restart either");
        assertEquals(8, small.requests());
    }

    private long bodyFiles() throws IOException {
        try (Stream<Path> walk = Files.walk(work.resolve("cache"))) {
            return walk.filter(p -> Files.isRegularFile(p) && p.getFileName().toString().matches("[0-9a-f]{32}"))
                    .count();
        }
    }

    private interface Condition {
        boolean holds() throws Exception;
    }

    /** Waits (10 s at most) for {@code condition}. */
    private static void eventually(Condition condition, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.holds()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 10 s: " + what);
            }
            Thread.sleep(10);
        }
    }
}
