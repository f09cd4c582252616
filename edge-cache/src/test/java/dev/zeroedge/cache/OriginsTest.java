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
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Several origins by Host (the config file's {@code origins:}): each Host's misses go to its own origin with that
 * origin's authority as Host, its own first-byte timeout and its own bound on the size of what is stored; every
 * other Host goes to the default. And CDN-Loop: this node's id is appended to what the origin is asked, and a
 * request that already names it is refused with 508 before any origin is asked. One mode (nio-sendfile): origin
 * choice is cache logic, the same in every mode.
 */
class OriginsTest {

    private static final CdnLoop ME = new CdnLoop("edge-test:1");

    @TempDir
    Path work;
    private final List<AutoCloseable> open = new ArrayList<>();
    private ScriptedOrigin images;
    private ScriptedOrigin fallback;
    private ScriptedOrigin slow;
    private ZeroedgeServer cache;

    /** Answers {@code NAME:PATH} (NAME: which origin), cacheable for an hour; /big-* with 2,000 bytes. */
    private static ScriptedOrigin.Script answering(String name) {
        return (head, out, socket) -> {
            String path = head.substring(4, head.indexOf(' ', 4));
            byte[] body = path.startsWith("/big") ? new byte[2000]
                    : (name + ":" + path).getBytes(StandardCharsets.US_ASCII);
            out.write(ScriptedOrigin.head("200 OK", "Content-Length: " + body.length,
                    "Cache-Control: max-age=3600"));
            out.write(body);
            return true;
        };
    }

    @BeforeEach
    void start() throws IOException {
        images = new ScriptedOrigin(answering("images"));
        fallback = new ScriptedOrigin(answering("default"));
        slow = new ScriptedOrigin((head, out, socket) -> {
            Thread.sleep(5_000); // past its own first-byte timeout, far within the default one
            return false;
        });
        open.add(images);
        open.add(fallback);
        open.add(slow);
        CacheConfig config = CacheConfig.of("http://127.0.0.1:" + fallback.port(), work.resolve("cache"));
        OriginRoute defaults = OriginRoute.of(config);
        Origins origins = new Origins(defaults, Map.of(
                "images.test", OriginRoute.of("http://127.0.0.1:" + images.port()).withMaxObjectSize(1500),
                "slow.test", OriginRoute.of("http://127.0.0.1:" + slow.port())
                        .withTimeouts(Duration.ofSeconds(1), Duration.ofMillis(300), Duration.ofSeconds(1))));
        Routing routing = new Routing(origins, List.of(), ME, Routing.DEFAULT_PROBE_EVERY);
        Transport transport = Transports.load().require(Mode.NIO_SENDFILE);
        cache = ZeroedgeServer.start(ServerConfig.of(work, new InetSocketAddress("127.0.0.1", 0))
                        .withEventLoops(1).withGracePeriod(Duration.ofSeconds(1)), transport,
                (c, opener, pool) -> EdgeCache.open(config, routing, transport, pool, false, new CacheCounters()));
    }

    @AfterEach
    void stop() throws Exception {
        if (cache != null) {
            cache.shutdown(Duration.ofSeconds(1));
        }
        for (AutoCloseable c : open.reversed()) {
            c.close();
        }
        assertEquals(List.of(), LeakRecorder.collect(), "Netty buffers leaked");
    }

    private Response get(String host, String path, String... fields) throws IOException {
        try (RawHttp http = new RawHttp(cache.port())) {
            StringBuilder extra = new StringBuilder();
            for (String field : fields) {
                extra.append(field).append("\r\n");
            }
            return http.exchange("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n" + extra + "\r\n");
        }
    }

    @Test
    void eachHostIsCachedFromItsOwnOrigin() throws IOException {
        Response a = get("images.test", "/logo.png");
        assertEquals(200, a.status());
        assertEquals("images:/logo.png", a.bodyText());
        assertEquals("zeroedge; fwd=miss; stored", a.header("Cache-Status"));
        Response b = get("www.test", "/logo.png");
        assertEquals("default:/logo.png", b.bodyText(), "another Host: the default origin, another object");
        // The Host's port does not change its origin (the key keeps it: another object of the same origin).
        assertEquals("images:/logo.png", get("images.test:8080", "/logo.png").bodyText());
        assertEquals("zeroedge; hit", get("images.test", "/logo.png").header("Cache-Status"));
        assertEquals("zeroedge; hit", get("www.test", "/logo.png").header("Cache-Status"));
        assertEquals(2, images.requests());
        assertEquals(1, fallback.requests());
        String asked = images.heads().getFirst();
        assertEquals("127.0.0.1:" + images.port(), ScriptedOrigin.field(asked, "Host"), "the origin's own authority: " + asked);
        assertEquals(ME.id(), ScriptedOrigin.field(asked, "CDN-Loop"), asked);
        assertEquals("127.0.0.1:" + fallback.port(), ScriptedOrigin.field(fallback.heads().getFirst(), "Host"));
    }

    @Test
    void anOriginsMaxObjectSizeRelaysWhatIsLonger() throws IOException {
        Response first = get("images.test", "/big-1");
        assertEquals(200, first.status());
        assertEquals(2000, first.body().length);
        assertEquals("zeroedge; fwd=miss", first.header("Cache-Status"), "relayed, not stored");
        assertEquals("zeroedge; fwd=miss", get("images.test", "/big-1").header("Cache-Status"));
        assertEquals(2, images.requests());
        // The default origin has no such bound.
        get("www.test", "/big-1");
        assertEquals("zeroedge; hit", get("www.test", "/big-1").header("Cache-Status"));
        assertEquals(1, fallback.requests());
    }

    @Test
    void anOriginsFirstByteTimeoutIsItsOwn() throws IOException {
        long started = System.nanoTime();
        Response timedOut = get("slow.test", "/x");
        long millis = (System.nanoTime() - started) / 1_000_000;
        assertEquals(504, timedOut.status());
        assertEquals("zeroedge; fwd=miss; detail=origin-timeout", timedOut.header("Cache-Status"));
        // A logical bound, not a speed: the origin sleeps 5 s before answering, so a 504 before that is the
        // 300 ms timeout of slow.test's own, not the default 15 s one.
        assertTrue(millis < 4_500, millis + " ms");
        assertEquals(0, fallback.requests());
    }

    @Test
    void aRequestThatNamesThisNodeIsALoop() throws IOException {
        Response looped = get("www.test", "/a", "CDN-Loop: parent-9, " + ME.id() + "; v=1");
        assertEquals(508, looped.status());
        assertEquals("zeroedge; fwd=miss; detail=loop", looped.header("Cache-Status"));
        assertEquals(0, fallback.requests(), "no origin asked");
        assertEquals("default:/a", get("www.test", "/a", "CDN-Loop: parent-9").bodyText());
        assertEquals("parent-9, " + ME.id(), ScriptedOrigin.field(fallback.heads().getFirst(), "CDN-Loop"));
    }
}
