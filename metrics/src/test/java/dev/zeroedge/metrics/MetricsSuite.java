package dev.zeroedge.metrics;

import dev.zeroedge.http.ErrorResponse;
import dev.zeroedge.server.ServerConfig;
import dev.zeroedge.server.ZeroedgeServer;
import dev.zeroedge.testing.LeakRecorder;
import dev.zeroedge.testing.RawHttp;
import dev.zeroedge.testing.RawHttp.Response;
import dev.zeroedge.transport.Transport;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code GET /metrics} after known traffic, in every mode: so many 200s, 206s, 304s, 404s and a refused head,
 * so many body bytes zero-copy and copied, so many connections, each count exact. The scrape is read with a
 * strict parser of the text format ({@link PrometheusText}). One event loop serves both listeners, and the
 * scrape is repeated until every response of the traffic is counted (the count is told when the kernel has the
 * last byte, which a client can read a moment before), then everything else must be exact at once.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class MetricsSuite {

    private static final int SMALL = 100;
    private static final int BIG = 100_000;
    private static final int RANGE = 1000;

    private Path root;
    private ZeroedgeServer server;
    private AdminListener admin;

    protected abstract Transport transport();

    @BeforeAll
    void start() throws IOException {
        Transport transport = transport();
        transport.availability().ensureAvailable();
        root = Files.createTempDirectory("zeroedge-metrics");
        Files.write(root.resolve("small.txt"), new byte[SMALL]);
        Files.write(root.resolve("big.bin"), new byte[BIG]);
        ServerConfig config = ServerConfig.of(root, new InetSocketAddress("127.0.0.1", 0)).withEventLoops(1)
                .withGracePeriod(Duration.ofSeconds(2));
        ServerMetrics metrics = new ServerMetrics();
        server = ZeroedgeServer.start(config, transport, ZeroedgeServer::documentRoot, metrics.observer());
        metrics.serving(server, "asked for by name");
        admin = AdminListener.start(new InetSocketAddress("127.0.0.1", 0), server, metrics, () -> "{\"probe\":1}");
    }

    @AfterAll
    void stop() throws Exception {
        admin.close();
        server.shutdown(Duration.ofSeconds(2));
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
        assertEquals(List.of(), LeakRecorder.collect(), "Netty buffers leaked");
    }

    private Response request(String raw) throws IOException {
        try (RawHttp http = new RawHttp(server.port())) {
            return raw.startsWith("HEAD") ? http.send(raw).readHead() : http.exchange(raw);
        }
    }

    private Response get(String path, String... fields) throws IOException {
        return request("GET " + path + " HTTP/1.1\r\nHost: t\r\n" + String.join("", fields) + "\r\n");
    }

    private PrometheusText scrape() throws IOException {
        try (RawHttp http = new RawHttp(admin.address().getPort())) {
            Response r = http.exchange("GET /metrics HTTP/1.1\r\nHost: admin\r\n\r\n");
            assertEquals(200, r.status());
            assertEquals("text/plain; version=0.0.4; charset=utf-8", r.header("Content-Type"));
            return PrometheusText.parse(r.bodyText());
        }
    }

    /** Scrapes until {@code responses} are counted (bounded: the last listener runs within a moment). */
    private PrometheusText scrapeAfter(long responses) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            PrometheusText text = scrape();
            Double counted = text.value("zeroedge_http_time_to_last_byte_seconds_count");
            if ((counted != null && counted >= responses) || System.nanoTime() > deadline) {
                return text;
            }
            Thread.sleep(10);
        }
    }

    @Test
    void countsKnownTrafficExactly() throws Exception {
        Response small = get("/small.txt");
        assertEquals(200, small.status());
        for (int i = 0; i < 3; i++) {
            assertEquals(200, get("/big.bin").status());
        }
        for (int i = 0; i < 2; i++) {
            assertEquals(206, get("/big.bin", "Range: bytes=0-" + (RANGE - 1) + "\r\n").status());
        }
        Response multipart = get("/big.bin", "Range: bytes=0-9,5000-5009\r\n");
        assertEquals(206, multipart.status());
        for (int i = 0; i < 2; i++) {
            assertEquals(404, get("/missing").status());
        }
        assertEquals(304, get("/small.txt", "If-None-Match: " + small.header("ETag") + "\r\n").status());
        assertEquals(200, request("HEAD /big.bin HTTP/1.1\r\nHost: t\r\n\r\n").status());
        assertEquals(400, request("GET / HTTP/1.1\r\n\r\n").status());
        int responses = 12;

        PrometheusText m = scrapeAfter(responses);

        String requests = "zeroedge_http_requests_total";
        assertEquals("counter", m.type(requests));
        assertEquals(Map.of(
                        series(requests, "GET", "2xx", "200"), 4.0,
                        series(requests, "GET", "2xx", "206"), 3.0,
                        series(requests, "GET", "3xx", "304"), 1.0,
                        series(requests, "GET", "4xx", "404"), 2.0,
                        series(requests, "HEAD", "2xx", "200"), 1.0,
                        series(requests, "unknown", "4xx", "400"), 1.0),
                m.series(requests));

        // Inline bodies (at most 16 KiB - 1 by default) and error texts are copied; the 100 000-byte body goes
        // through the mode's sender, which copies only in the mmap and copy baselines.
        long errors = 2L * ErrorResponse.bodyLength(HttpResponseStatus.NOT_FOUND, null)
                + ErrorResponse.bodyLength(HttpResponseStatus.BAD_REQUEST, "missing Host");
        long sliced = 3L * BIG;
        boolean zeroCopy = transport().mode().zeroCopy();
        assertEquals(zeroCopy ? sliced : 0, m.value("zeroedge_http_response_body_bytes_total",
                "transfer", "zero_copy"));
        // The multipart body: two 10-byte parts, each inline, and their delimiters, all copied.
        long parts = multipart.body().length;
        assertEquals(SMALL + 2L * RANGE + parts + errors + (zeroCopy ? 0 : sliced),
                m.value("zeroedge_http_response_body_bytes_total", "transfer", "copied"));
        assertEquals(0.0, m.value("zeroedge_http_responses_failed_total"));

        assertEquals("histogram", m.type("zeroedge_http_time_to_last_byte_seconds"));
        assertEquals(responses, m.value("zeroedge_http_time_to_last_byte_seconds_count"));
        assertEquals(responses, m.value("zeroedge_http_time_to_last_byte_seconds_bucket", "le", "+Inf"));
        assertTrue(m.value("zeroedge_http_time_to_last_byte_seconds_sum") > 0);

        assertEquals(responses, m.value("zeroedge_connections_accepted_total"), "one connection per request");
        assertEquals(0.0, m.value("zeroedge_connections_refused_total"));
        for (String timeout : List.of("header", "idle", "send")) {
            assertEquals(0.0, m.value("zeroedge_connections_timed_out_total", "timeout", timeout));
        }
        assertEquals("gauge", m.type("zeroedge_connections_open"));

        // Every request that reached the document root looked its name up once: all but the refused head.
        double hits = m.value("zeroedge_open_file_cache_hits_total");
        double misses = m.value("zeroedge_open_file_cache_misses_total");
        assertEquals(responses - 1, hits + misses, "lookups");
        assertEquals(4.0, misses, "small.txt and big.bin once (then held), missing both times (a name that is"
                + " not there is not held)");
        assertEquals(2.0, m.value("zeroedge_open_file_cache_entries"));
        assertEquals(0.0, m.value("zeroedge_open_file_cache_evictions_total"));
        assertEquals(0.0, m.value("zeroedge_file_system_queue_depth"));
        assertEquals("summary", m.type("zeroedge_file_system_wait_seconds"));

        assertEquals(1.0, m.value("zeroedge_mode_info", "mode", transport().mode().userName(),
                "reason", "asked for by name"));
        assertEquals(0.0, m.value("zeroedge_config_reloads_total"));
        assertEquals(0.0, m.value("zeroedge_config_reload_failures_total"));
        assertTrue(m.value("jvm_threads_current") > 0, "the client's JVM metrics are there");

        // The scrapes themselves are no serving traffic.
        PrometheusText again = scrape();
        assertEquals(responses, again.value("zeroedge_connections_accepted_total"));
        assertEquals(responses, again.value("zeroedge_http_time_to_last_byte_seconds_count"));
    }

    @Test
    void healthzAndProbeAndUnknownPaths() throws IOException {
        try (RawHttp http = new RawHttp(admin.address().getPort())) {
            Response health = http.exchange("GET /healthz HTTP/1.1\r\nHost: admin\r\n\r\n");
            assertEquals("HTTP/1.1 200 OK", health.statusLine());
            assertEquals("serving\n", health.bodyText());
            Response probe = http.exchange("GET /probe HTTP/1.1\r\nHost: admin\r\n\r\n");
            assertEquals(200, probe.status());
            assertEquals("application/json", probe.header("Content-Type"));
            assertEquals("{\"probe\":1}\n", probe.bodyText());
            assertEquals(404, http.exchange("GET /other HTTP/1.1\r\nHost: admin\r\n\r\n").status());
            Response post = http.exchange("POST /metrics HTTP/1.1\r\nHost: admin\r\nContent-Length: 0\r\n\r\n");
            assertEquals(405, post.status());
            assertEquals("GET, HEAD", post.header("Allow"));
        }
    }

    @Test
    void anAdminPortAloneIsLoopback() {
        assertEquals(new InetSocketAddress("127.0.0.1", 9145), AdminListener.address("9145"));
        assertEquals(new InetSocketAddress("0.0.0.0", 9145), AdminListener.address("0.0.0.0:9145"));
        assertEquals(new InetSocketAddress("::1", 9145), AdminListener.address("[::1]:9145"));
        assertNull(nullIfRefused("x:port"));
        assertNull(nullIfRefused("70000"));
        assertNull(nullIfRefused(":9145"));
    }

    private static InetSocketAddress nullIfRefused(String spec) {
        try {
            return AdminListener.address(spec);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static String series(String name, String method, String statusClass, String code) {
        return name + "{code=" + code + ",method=" + method + ",status_class=" + statusClass + ",}";
    }
}
