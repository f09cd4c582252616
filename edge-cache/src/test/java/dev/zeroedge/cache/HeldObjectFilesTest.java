package dev.zeroedge.cache;

import dev.zeroedge.mode.Mode;
import dev.zeroedge.server.ServerConfig;
import dev.zeroedge.server.ZeroedgeServer;
import dev.zeroedge.testing.LeakRecorder;
import dev.zeroedge.testing.RawHttp;
import dev.zeroedge.transport.Transport;
import dev.zeroedge.transport.Transports;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cache's hot object files and their bodies in memory follow the server's {@code --open-file-cache} and
 * {@code --inline-body-max}, as the static root's files do: opened as the launcher opens it. One mode: which
 * objects are held is the cache's, not the sender's.
 */
class HeldObjectFilesTest {

    private static final byte[] BODY = FullDiskTest.bytes(5_000, 29);

    private Path work;
    private ScriptedOrigin origin;
    private final List<AutoCloseable> running = new ArrayList<>();
    private EdgeCache cache;
    private final Transport transport = Transports.load().require(Mode.NIO_SENDFILE);

    @BeforeEach
    void origin() throws IOException {
        work = Files.createTempDirectory("zeroedge-held");
        origin = new ScriptedOrigin((head, out, socket) -> {
            FullDiskTest.serve(head, out, BODY, "\"h\"");
            return true;
        });
        running.add(origin);
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable closeable : running.reversed()) {
            closeable.close();
        }
        try (Stream<Path> walk = Files.walk(work)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
        assertEquals(List.of(), LeakRecorder.collect(), "Netty buffers leaked");
    }

    /** A miss, then hits until the object is held open (the first hit holds it); its hash. */
    private String missThenHits(UnaryOperator<ServerConfig> server) throws Exception {
        CacheConfig config = CacheConfig.of("http://127.0.0.1:" + origin.port(), work.resolve("cache"))
                .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(5));
        EdgeCache[] source = new EdgeCache[1];
        ZeroedgeServer started = ZeroedgeServer.start(server.apply(ServerConfig.of(work,
                        new InetSocketAddress("127.0.0.1", 0)).withEventLoops(1).withGracePeriod(Duration.ofSeconds(1))),
                transport, (c, opener, pool) -> source[0] = EdgeCache.open(config,
                        Routing.single(config, CdnLoop.ofThisProcess()), transport, pool, c, new CacheCounters()));
        running.add(() -> started.shutdown(Duration.ofSeconds(1)));
        cache = source[0];
        String hash = CacheKey.of("edge.test", "/obj", null).hash();
        for (String expected : List.of("zeroedge; fwd=miss; stored", "zeroedge; hit", "zeroedge; hit")) {
            try (RawHttp http = new RawHttp(started.port())) {
                RawHttp.Response r = http.exchange("GET /obj HTTP/1.1\r\nHost: edge.test\r\n\r\n");
                assertArrayEquals(BODY, r.body());
                assertEquals(expected, r.header("Cache-Status"));
            }
            // A hit while the fill still commits is the fill's, sent from its file and not held: the hits come after.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (cache.objects() == 0) {
                assertTrue(System.nanoTime() < deadline, "the object committed within 10 s");
                Thread.sleep(10);
            }
        }
        return hash;
    }

    @Test
    void byDefaultAHitObjectIsHeldOpenWithItsSmallBodyInMemory() throws Exception {
        String hash = missThenHits(c -> c);
        assertTrue(cache.holdsOpen(hash));
        assertEquals(BODY.length, cache.heldBodyBytes(), "5,000 bytes under the default 16 KiB");
    }

    @Test
    void aSmallerInlineBodyMaxHoldsTheFileButNotItsBytes() throws Exception {
        String hash = missThenHits(c -> c.withInlineBodyMax(1_000));
        assertTrue(cache.holdsOpen(hash));
        assertEquals(0, cache.heldBodyBytes(), "5,000 bytes over --inline-body-max 1000");
    }

    @Test
    void noOpenFileCacheHoldsNothing() throws Exception {
        String hash = missThenHits(c -> c.withOpenFileCache(0, Duration.ofSeconds(1)));
        assertFalse(cache.holdsOpen(hash));
        assertEquals(0, cache.heldBodyBytes());
    }
}
