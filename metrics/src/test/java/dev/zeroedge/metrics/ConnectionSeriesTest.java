package dev.zeroedge.metrics;

import dev.zeroedge.http.HttpLimits;
import dev.zeroedge.server.ServerConfig;
import dev.zeroedge.server.ZeroedgeServer;
import dev.zeroedge.testing.LeakRecorder;
import dev.zeroedge.testing.RawHttp;
import dev.zeroedge.transport.nio.NioSendfileTransport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The connection series, each caused on purpose: a head that never completes (408, a header timeout), a
 * connection that never asks (an idle timeout), a download nobody reads (a send timeout, a failed response),
 * a connection past the limit (refused). Scraped until the expected events are counted (a body that waited for
 * the file-system threads fails when their answer comes back, a moment after its connection closed), then
 * exact.
 */
class ConnectionSeriesTest {

    @TempDir
    Path root;

    private ZeroedgeServer server;
    private AdminListener admin;

    private void start(UnaryOperator<HttpLimits> limits) throws IOException {
        try (RandomAccessFile file = new RandomAccessFile(root.resolve("big.bin").toFile(), "rw")) {
            file.setLength(16L * 1024 * 1024);
        }
        ServerConfig config = ServerConfig.of(root, new InetSocketAddress("127.0.0.1", 0)).withEventLoops(1);
        config = config.withLimits(limits.apply(config.limits()));
        ServerMetrics metrics = new ServerMetrics();
        server = ZeroedgeServer.start(config, new NioSendfileTransport(), ZeroedgeServer::documentRoot,
                metrics.observer());
        metrics.serving(server, "asked for by name");
        admin = AdminListener.start(new InetSocketAddress("127.0.0.1", 0), server, metrics, () -> "{}");
    }

    @AfterEach
    void stop() throws Exception {
        admin.close();
        server.shutdown(Duration.ofSeconds(1));
        assertEquals(List.of(), LeakRecorder.collect(), "Netty buffers leaked");
    }

    private PrometheusText scrapeUntil(Predicate<PrometheusText> done) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            PrometheusText text;
            try (RawHttp http = new RawHttp(admin.address().getPort())) {
                text = PrometheusText.parse(http.exchange("GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n").bodyText());
            }
            if (done.test(text) || System.nanoTime() > deadline) {
                return text;
            }
            Thread.sleep(20);
        }
    }

    @Test
    void headerIdleAndSendTimeoutsAreCountedByKind() throws Exception {
        start(limits -> limits.withTimeouts(Duration.ofMillis(300), Duration.ofMillis(300))
                .withSendTimeout(Duration.ofMillis(300)));
        try (RawHttp partial = new RawHttp(server.port()); RawHttp silent = new RawHttp(server.port());
             RawHttp stalled = new RawHttp(server.port(), 16 * 1024)) {
            partial.send("GET /big.bin HTTP/1.1\r\nHost:");
            stalled.send("GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n");
            assertEquals(408, partial.read().status());
            assertTrue(silent.closedByServer(5_000), "the idle connection is closed");
            PrometheusText m = scrapeUntil(t -> t.value("zeroedge_connections_timed_out_total", "timeout", "send") > 0
                    && t.value("zeroedge_connections_open") == 0 && t.value("zeroedge_http_responses_failed_total") > 0);
            assertEquals(1.0, m.value("zeroedge_connections_timed_out_total", "timeout", "header"));
            assertEquals(1.0, m.value("zeroedge_connections_timed_out_total", "timeout", "idle"));
            assertEquals(1.0, m.value("zeroedge_connections_timed_out_total", "timeout", "send"));
            assertEquals(1.0, m.value("zeroedge_http_requests_total", "method", "unknown", "status_class", "4xx",
                    "code", "408"), "the 408 is a response like any other");
            assertEquals(1.0, m.value("zeroedge_http_requests_total", "method", "GET", "status_class", "2xx",
                    "code", "200"), "the stalled download is counted when it fails");
            assertEquals(1.0, m.value("zeroedge_http_responses_failed_total"));
            assertEquals(3.0, m.value("zeroedge_connections_accepted_total"));
            assertEquals(0.0, m.value("zeroedge_connections_refused_total"));
            assertEquals(0.0, m.value("zeroedge_connections_open"), "all three closed");
        }
    }

    @Test
    void aConnectionPastTheLimitIsRefusedAndCounted() throws Exception {
        start(limits -> limits.withMaxConnections(1));
        try (RawHttp first = new RawHttp(server.port()); RawHttp second = new RawHttp(server.port())) {
            assertEquals(503, second.read().status());
            assertEquals(200, first.send("HEAD /big.bin HTTP/1.1\r\nHost: t\r\n\r\n").readHead().status());
            PrometheusText m = scrapeUntil(t -> t.value("zeroedge_connections_refused_total") > 0
                    && t.value("zeroedge_connections_open") == 1);
            assertEquals(1.0, m.value("zeroedge_connections_refused_total"));
            assertEquals(2.0, m.value("zeroedge_connections_accepted_total"), "accepted, then refused");
            assertEquals(1.0, m.value("zeroedge_connections_open"));
        }
    }
}
