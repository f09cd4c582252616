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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * nginx as the origin, end to end: a miss is fetched from a real nginx and relayed byte for byte, then the object
 * is a hit, whole and as a range, and nginx was asked once (for the first slice, which holds the whole object),
 * with the origin's authority as Host and this hop in Via and X-Forwarded-For. One mode: what is proven here is the origin side, which every mode shares.
 */
class NginxOriginTest {

    private static final int LENGTH = 300_000;

    private Path work;
    private NginxOrigin nginx;
    private ZeroedgeServer cache;

    @AfterEach
    void stop() throws Exception {
        if (cache != null) {
            cache.shutdown(Duration.ofSeconds(1));
        }
        if (nginx != null) {
            nginx.close();
        }
        try (Stream<Path> walk = Files.walk(work)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
        assertEquals(List.of(), LeakRecorder.collect(), "Netty buffers leaked");
    }

    private Response get(String path, String... fields) throws IOException {
        try (RawHttp http = new RawHttp(cache.port())) {
            return http.exchange("GET " + path + " HTTP/1.1\r\nHost: edge.test\r\n"
                    + String.join("", Arrays.stream(fields).map(f -> f + "\r\n").toList()) + "\r\n");
        }
    }

    @Test
    void aMissFromNginxThenHitsWholeAndAsARange() throws Exception {
        work = Files.createTempDirectory("zeroedge-nginx-origin");
        Path root = Files.createDirectory(work.resolve("www"));
        byte[] body = new byte[LENGTH];
        for (int i = 0; i < LENGTH; i++) {
            body[i] = (byte) (i * 13 + i / 509);
        }
        Files.write(root.resolve("clip.bin"), body);
        nginx = NginxOrigin.start(root, work.resolve("nginx"));
        Transport transport = Transports.load().require(Mode.NIO_SENDFILE);
        CacheConfig config = CacheConfig.of("http://127.0.0.1:" + nginx.port(), work.resolve("cache"))
                .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(5));
        cache = ZeroedgeServer.start(ServerConfig.of(work, new InetSocketAddress("127.0.0.1", 0))
                        .withInlineBodyMax(0).withEventLoops(1).withGracePeriod(Duration.ofSeconds(1)), transport,
                (c, opener, pool) -> EdgeCache.open(config, transport, pool, false));

        Response miss = get("/clip.bin");
        assertEquals("HTTP/1.1 200 OK", miss.statusLine());
        assertEquals("zeroedge; fwd=miss; stored", miss.header("Cache-Status"));
        assertEquals("max-age=3600", miss.header("Cache-Control"));
        assertEquals(Integer.toString(LENGTH), miss.header("Content-Length"));
        assertArrayEquals(body, miss.body());
        String etag = miss.header("ETag");
        assertNotNull(etag, "nginx's strong ETag is kept");

        Response hit = get("/clip.bin");
        assertEquals("HTTP/1.1 200 OK", hit.statusLine());
        assertEquals("zeroedge; hit", hit.header("Cache-Status"));
        assertEquals(etag, hit.header("ETag"));
        assertEquals(miss.header("Last-Modified"), hit.header("Last-Modified"));
        assertArrayEquals(body, hit.body());

        Response range = get("/clip.bin", "Range: bytes=100000-100999");
        assertEquals("HTTP/1.1 206 Partial Content", range.statusLine());
        assertEquals("zeroedge; hit", range.header("Cache-Status"));
        assertEquals("bytes 100000-100999/" + LENGTH, range.header("Content-Range"));
        assertArrayEquals(Arrays.copyOfRange(body, 100_000, 101_000), range.body());

        // The first slice (4 MiB) is asked for; nginx's 206 is the whole 300 000-byte object, filled as a 200.
        assertEquals(List.of("GET /clip.bin HTTP/1.1|127.0.0.1:" + nginx.port() + "|1.1 zeroedge|127.0.0.1|bytes=0-"
                        + (CacheConfig.DEFAULT_SLICE_SIZE - 1) + "|206"),
                nginx.requests(), "nginx asked once, as the origin's authority, through this hop");
    }
}
