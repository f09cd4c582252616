package dev.zeroedge.metrics;

import dev.zeroedge.cache.CacheConfig;
import dev.zeroedge.cache.CacheCounters;
import dev.zeroedge.cache.CdnLoop;
import dev.zeroedge.cache.EdgeCache;
import dev.zeroedge.cache.OriginRoute;
import dev.zeroedge.cache.Origins;
import dev.zeroedge.cache.Routing;
import dev.zeroedge.http.SiteObserver;
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
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The edge cache's series after known traffic, over real sockets: a zeroedge static server is the origin, a
 * zeroedge with the cache as its source and the metrics on is asked for one object (a miss, then hits: whole, a
 * range, a HEAD), and each {@code zeroedge_cache_*} series moves by exactly what that traffic is. A second cache,
 * whose origin does not listen, counts its 502 as an unreachable origin.
 */
class CacheMetricsTest {

    private static final int LENGTH = 10_000;
    private static final int RANGE = 100;

    private final List<AutoCloseable> running = new ArrayList<>();
    private Path work;

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable closeable : running.reversed()) {
            closeable.close();
        }
        if (work != null) {
            try (Stream<Path> walk = Files.walk(work)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
        assertEquals(List.of(), LeakRecorder.collect(), "Netty buffers leaked");
    }

    /** A cache of {@code originPort} with the metrics on, as the launcher wires it; returns its admin port. */
    private record Cache(ZeroedgeServer server, EdgeCache source, AdminListener admin) {
    }

    private Cache cache(int originPort) throws Exception {
        return cache(originPort, List.of());
    }

    /** With {@code parents}: a tier above it (probed every 200 ms). */
    private Cache cache(int originPort, List<OriginRoute> parents) throws Exception {
        Transport transport = Transports.load().require(Mode.NIO_SENDFILE);
        Path dir = Files.createTempDirectory(work, "cache");
        CacheConfig config = CacheConfig.of("http://127.0.0.1:" + originPort, dir)
                .withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(5));
        Routing routing = new Routing(Origins.single(OriginRoute.of(config)), parents, new CdnLoop("metrics-test"),
                Duration.ofMillis(200));
        ServerMetrics metrics = new ServerMetrics();
        CacheCounters counters = new CacheCounters();
        EdgeCache[] source = new EdgeCache[1];
        ZeroedgeServer server = ZeroedgeServer.start(ServerConfig.of(dir, new InetSocketAddress("127.0.0.1", 0))
                        .withEventLoops(1).withGracePeriod(Duration.ofSeconds(1)), transport,
                (c, opener, pool) -> source[0] = EdgeCache.open(config, routing, transport, pool, false,
                        counters), SiteObserver.both(metrics.observer(), counters));
        running.add(() -> server.shutdown(Duration.ofSeconds(1)));
        metrics.serving(server, "asked for by name");
        AdminListener admin = AdminListener.start(new InetSocketAddress("127.0.0.1", 0), server, metrics, () -> "{}");
        running.add(admin::close);
        source[0].recovered().get(10, TimeUnit.SECONDS); // an empty directory: at once
        return new Cache(server, source[0], admin);
    }

    private static Response request(int port, String raw) throws IOException {
        try (RawHttp http = new RawHttp(port)) {
            return raw.startsWith("HEAD") ? http.send(raw).readHead() : http.exchange(raw);
        }
    }

    private static PrometheusText scrape(Cache cache) throws IOException {
        Response r = request(cache.admin().address().getPort(), "GET /metrics HTTP/1.1\r\nHost: admin\r\n\r\n");
        assertEquals(200, r.status());
        return PrometheusText.parse(r.bodyText());
    }

    /**
     * Scrapes until {@code settled} holds (bounded): a response is counted when the kernel has its last byte, which
     * the client reads a moment before; a fill is over when the origin's last byte is read, a moment after the
     * client may have it all.
     */
    private static PrometheusText scrapeUntil(Cache cache, Predicate<PrometheusText> settled) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            PrometheusText text = scrape(cache);
            if (settled.test(text) || System.nanoTime() > deadline) {
                return text;
            }
            Thread.sleep(10);
        }
    }

    @Test
    void aMissThenHitsMoveTheCacheSeriesByExactlyTheirTraffic() throws Exception {
        work = Files.createTempDirectory("zeroedge-cache-metrics");
        Path root = Files.createDirectory(work.resolve("origin"));
        byte[] body = new byte[LENGTH];
        for (int i = 0; i < LENGTH; i++) {
            body[i] = (byte) (i * 31);
        }
        Files.write(root.resolve("obj.bin"), body);
        // Ten days old: heuristically fresh for a day, as the static origin sends no Cache-Control.
        Files.setLastModifiedTime(root.resolve("obj.bin"), FileTime.from(Instant.now().minus(Duration.ofDays(10))));
        ZeroedgeServer origin = ZeroedgeServer.start(ServerConfig.of(root, new InetSocketAddress("127.0.0.1", 0))
                .withEventLoops(1).withGracePeriod(Duration.ofSeconds(1)), Transports.load().require(Mode.NIO_SENDFILE));
        running.add(() -> origin.shutdown(Duration.ofSeconds(1)));
        Cache cache = cache(origin.port());

        PrometheusText before = scrape(cache);
        assertEquals(0.0, before.value("zeroedge_cache_hits_total"));
        assertEquals(0.0, before.value("zeroedge_cache_objects"));
        assertEquals(0.0, before.value("zeroedge_cache_recovering"));
        assertEquals("gauge", before.type("zeroedge_cache_recovery_seconds"));

        int port = cache.server().port();
        Response miss = request(port, "GET /obj.bin HTTP/1.1\r\nHost: edge.test\r\n\r\n");
        assertEquals("zeroedge; fwd=miss; stored", miss.header("Cache-Status"));
        // The object is committed a moment after its last byte reached the client.
        scrapeUntil(cache, m -> m.value("zeroedge_cache_objects") == 1.0);
        Response hit = request(port, "GET /obj.bin HTTP/1.1\r\nHost: edge.test\r\n\r\n");
        assertEquals("zeroedge; hit", hit.header("Cache-Status"));
        assertEquals(LENGTH, hit.body().length);
        Response range = request(port, "GET /obj.bin HTTP/1.1\r\nHost: edge.test\r\nRange: bytes=0-"
                + (RANGE - 1) + "\r\n\r\n");
        assertEquals(206, range.status());
        assertEquals("zeroedge; hit", range.header("Cache-Status"));
        Response head = request(port, "HEAD /obj.bin HTTP/1.1\r\nHost: edge.test\r\n\r\n");
        assertEquals("zeroedge; hit", head.header("Cache-Status"));

        PrometheusText m = scrapeUntil(cache, t -> t.value("zeroedge_http_time_to_last_byte_seconds_count") >= 4
                && t.value("zeroedge_cache_fills_in_flight") == 0.0);
        assertEquals(3.0, m.value("zeroedge_cache_hits_total"), "whole, range, HEAD");
        assertEquals(1.0, m.value("zeroedge_cache_misses_total"));
        assertEquals(0.0, m.value("zeroedge_cache_coalesced_waiters_total"));
        assertEquals(0.0, m.value("zeroedge_cache_fills_in_flight"));
        assertEquals((double) LENGTH + RANGE, m.value("zeroedge_cache_sent_bytes_total"),
                "the whole hit and the range; the HEAD sent no body, the miss was not a hit");
        assertEquals((double) LENGTH, m.value("zeroedge_cache_origin_bytes_total"));
        for (String kind : List.of("unreachable", "timeout", "cut_short")) {
            assertEquals(0.0, m.value("zeroedge_cache_origin_errors_total", "kind", kind), kind);
        }
        assertEquals(1.0, m.value("zeroedge_cache_objects"));
        assertEquals((double) LENGTH, m.value("zeroedge_cache_stored_bytes"));
        String originUrl = "http://127.0.0.1:" + origin.port();
        assertEquals(1.0, m.value("zeroedge_cache_origin_objects", "origin", originUrl));
        assertEquals((double) LENGTH, m.value("zeroedge_cache_origin_stored_bytes", "origin", originUrl));
        assertEquals(0.0, m.value("zeroedge_cache_evictions_total"));
        for (String kind : List.of("whole", "slice", "mid_fill")) {
            assertEquals(0.0, m.value("zeroedge_cache_passed_through_total", "kind", kind), kind);
        }
        for (String outcome : List.of("committed", "failed", "changed")) {
            assertEquals(0.0, m.value("zeroedge_cache_slice_fetches_total", "outcome", outcome), outcome);
        }
        assertEquals(0.0, m.value("zeroedge_cache_slice_origin_bytes_total"), "the object is under a slice");
        assertEquals(0.0, m.value("zeroedge_cache_corrupt_objects_total"));
        assertEquals(0.0, m.value("zeroedge_cache_recovering"));
        assertTrue(m.value("zeroedge_cache_recovery_seconds") > 0, "the empty index took some time to be complete");
        for (String kind : List.of("key", "prefix", "soft")) {
            assertEquals(0.0, m.value("zeroedge_cache_purges_total", "kind", kind), kind);
        }

        // One purge of each kind (from loopback, which --purge-allow takes by default), each counted once.
        assertEquals("HTTP/1.1 200 OK", request(port, "PURGE /obj.bin HTTP/1.1\r\nHost: edge.test\r\n"
                + "X-Purge-Soft: 1\r\n\r\n").statusLine());
        assertEquals("HTTP/1.1 200 OK", request(port, "PURGE /obj.bin HTTP/1.1\r\nHost: edge.test\r\n\r\n")
                .statusLine());
        assertEquals("HTTP/1.1 200 OK", request(port, "PURGE / HTTP/1.1\r\nHost: edge.test\r\n"
                + "X-Purge-Prefix: /obj\r\n\r\n").statusLine());
        PrometheusText purged = scrapeUntil(cache, t -> t.value("zeroedge_cache_purges_total", "kind", "prefix") == 1);
        for (String kind : List.of("key", "prefix", "soft")) {
            assertEquals(1.0, purged.value("zeroedge_cache_purges_total", "kind", kind), kind);
        }

        // An origin that does not listen: a 502, counted as unreachable, and a miss.
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        Cache lonely = cache(closed);
        assertEquals(502, request(lonely.server().port(), "GET /obj.bin HTTP/1.1\r\nHost: edge.test\r\n\r\n").status());
        PrometheusText failed = scrapeUntil(lonely, t -> t.value("zeroedge_cache_fills_in_flight") == 0.0
                && t.value("zeroedge_cache_origin_errors_total", "kind", "unreachable") == 1.0);
        assertEquals(1.0, failed.value("zeroedge_cache_origin_errors_total", "kind", "unreachable"));
        assertEquals(0.0, failed.value("zeroedge_cache_origin_errors_total", "kind", "timeout"));
        assertEquals(1.0, failed.value("zeroedge_cache_misses_total"));
        assertEquals(0.0, failed.value("zeroedge_cache_hits_total"));
        assertEquals(0.0, failed.value("zeroedge_cache_objects"));
    }

    @Test
    void aParentThatIsDownIsZeroAndTheRequestsThatMovedOnAreCounted() throws Exception {
        work = Files.createTempDirectory("zeroedge-parent-metrics");
        Path root = Files.createDirectory(work.resolve("origin"));
        Files.write(root.resolve("a.txt"), "a".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        Files.write(root.resolve("b.txt"), "b".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        ZeroedgeServer origin = ZeroedgeServer.start(ServerConfig.of(root, new InetSocketAddress("127.0.0.1", 0))
                .withEventLoops(1).withGracePeriod(Duration.ofSeconds(1)), Transports.load().require(Mode.NIO_SENDFILE));
        running.add(() -> origin.shutdown(Duration.ofSeconds(1)));
        int dead;
        try (ServerSocket socket = new ServerSocket(0)) {
            dead = socket.getLocalPort();
        }
        String parent = "http://127.0.0.1:" + dead;
        Cache child = cache(origin.port(), List.of(OriginRoute.of(parent)));
        int port = child.server().port();
        PrometheusText before = scrape(child);
        assertEquals(1.0, before.value("zeroedge_cache_parent_up", "parent", parent), "up until it fails");

        // The one parent refuses the first request (which then goes to the origin) and is down for the second.
        assertEquals("a", request(port, "GET /a.txt HTTP/1.1\r\nHost: edge.test\r\n\r\n").bodyText());
        assertEquals("b", request(port, "GET /b.txt HTTP/1.1\r\nHost: edge.test\r\n\r\n").bodyText());
        PrometheusText m = scrape(child);
        assertEquals(0.0, m.value("zeroedge_cache_parent_up", "parent", parent));
        assertEquals(1.0, m.value("zeroedge_cache_parent_requests_total", "parent", parent), "asked once: refused");
        assertEquals(2.0, m.value("zeroedge_cache_parent_failovers_total", "parent", parent));
        assertEquals("gauge", m.type("zeroedge_cache_parent_up"));
    }
}
