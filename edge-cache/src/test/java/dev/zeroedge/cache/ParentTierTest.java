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
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tier as one child sees it, in one JVM (nio-sendfile): three parents, one of which refuses connections. Each
 * key goes to its rendezvous home, or, when that is the dead one, straight on to its next choice: no client sees
 * an error and the origin is never asked. A parent is asked with the client's Host and the node's CDN-Loop, and
 * probed with {@code HEAD /} and {@code only-if-cached}. (Parents that are zeroedge nodes, killed and brought back:
 * {@code CacheTierTest} in the server module.)
 */
class ParentTierTest {

    private static final CdnLoop ME = new CdnLoop("child-1");

    @TempDir
    Path work;
    private final List<AutoCloseable> open = new ArrayList<>();
    private ZeroedgeServer cache;

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

    private static ScriptedOrigin.Script answering(String name) {
        return (head, out, socket) -> {
            boolean headOnly = head.startsWith("HEAD ");
            String path = head.substring(head.indexOf(' ') + 1, head.indexOf(' ', head.indexOf(' ') + 1));
            byte[] body = (name + ":" + path).getBytes(StandardCharsets.US_ASCII);
            out.write(ScriptedOrigin.head("200 OK", "Content-Length: " + body.length, "Cache-Control: max-age=60"));
            if (!headOnly) {
                out.write(body);
            }
            return true;
        };
    }

    private ScriptedOrigin origin(String name) throws IOException {
        ScriptedOrigin origin = new ScriptedOrigin(answering(name));
        open.add(origin);
        return origin;
    }

    @Test
    void aDeadParentsKeysGoToTheirNextChoiceAndNoOtherMoves() throws Exception {
        ScriptedOrigin a = origin("a");
        ScriptedOrigin b = origin("b");
        ScriptedOrigin origin = origin("origin");
        int dead;
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            dead = closed.getLocalPort();
        }
        List<OriginRoute> parents = List.of(OriginRoute.of("http://127.0.0.1:" + a.port()),
                OriginRoute.of("http://127.0.0.1:" + b.port()), OriginRoute.of("http://127.0.0.1:" + dead));
        List<String> names = parents.stream().map(OriginRoute::url).toList();
        CacheConfig config = CacheConfig.of("http://127.0.0.1:" + origin.port(), work.resolve("cache"));
        Routing routing = new Routing(Origins.single(OriginRoute.of(config)), parents, ME, Duration.ofMillis(200));
        Transport transport = Transports.load().require(Mode.NIO_SENDFILE);
        EdgeCache[] source = new EdgeCache[1];
        cache = ZeroedgeServer.start(ServerConfig.of(work, new InetSocketAddress("127.0.0.1", 0))
                        .withEventLoops(1).withGracePeriod(Duration.ofSeconds(1)), transport,
                (c, opener, pool) -> source[0] = EdgeCache.open(config, routing, transport, pool, false,
                        new CacheCounters()));

        int movedKeys = 0;
        int[] answered = new int[2];
        for (int i = 0; i < 30; i++) {
            String path = "/k-" + i;
            int[] ranked = Rendezvous.ranked(Rendezvous.keyHash(CacheKey.of("edge.test", path, null).hash()), names);
            int answering = ranked[0] == 2 ? ranked[1] : ranked[0];
            movedKeys += ranked[0] == 2 ? 1 : 0;
            answered[answering]++;
            Response response = get(path);
            assertEquals(200, response.status(), path);
            assertEquals((answering == 0 ? "a" : "b") + ":" + path, response.bodyText(), path + " from "
                    + names.get(ranked[0]) + ", else " + names.get(ranked[1]));
        }
        assertTrue(movedKeys > 0, "some keys had the dead parent as their home");
        assertEquals(0, origin.requests(), "the origin is asked only when every parent is down");
        // The metrics' view: the dead parent was asked once (it was up until that request was refused), and each
        // key whose home it is failed over from it (the first refused, the others found it down).
        assertEquals(List.of(new ParentState(names.get(0), true, answered[0], 0),
                new ParentState(names.get(1), true, answered[1], 0),
                new ParentState(names.get(2), false, 1, movedKeys)), source[0].parents());
        String asked = a.heads().getFirst().toLowerCase(java.util.Locale.ROOT);
        assertTrue(asked.contains("\r\nhost: edge.test\r\n"), "the client's Host: " + asked);
        assertTrue(asked.contains("\r\ncdn-loop: child-1\r\n"), asked);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (a.heads().stream().noneMatch(h -> h.startsWith("HEAD / ") && h.contains("only-if-cached"))) {
            assertTrue(System.nanoTime() < deadline, "no probe within 10 s: " + a.heads());
            Thread.sleep(20);
        }
    }

    private Response get(String path) throws IOException {
        try (RawHttp http = new RawHttp(cache.port())) {
            return http.exchange("GET " + path + " HTTP/1.1\r\nHost: edge.test\r\n\r\n");
        }
    }
}
