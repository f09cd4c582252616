package dev.zeroedge.cache;

import dev.zeroedge.content.ContentRequest;
import dev.zeroedge.mode.Mode;
import dev.zeroedge.server.ServerConfig;
import dev.zeroedge.server.ZeroedgeServer;
import dev.zeroedge.testing.RawHttp;
import dev.zeroedge.transport.Transport;
import dev.zeroedge.transport.Transports;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.util.concurrent.ImmediateEventExecutor;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The purge figure of issue 15, printed, not asserted (a figure, not a test: surefire does not run it):
 * {@code OBJECTS} objects committed under {@code /video/} by the store as fills commit them, found again by the
 * recovery of a cache opened on them, then one {@code PURGE} with {@code X-Purge-Prefix: /video/}: how long the
 * request's own handling takes (the source's {@code find}, which is all the request path does besides writing the
 * 200), the round trip of the same over a socket, and how long the background sweep takes until no body file is
 * left.
 *
 * <p>Run: {@code mvn -q -o test-compile -pl edge-cache -am}, then
 * {@code java -cp edge-cache/target/test-classes:edge-cache/target/classes:$(cat /tmp/cp) dev.zeroedge.cache.PurgeFigure [OBJECTS]}.
 */
public final class PurgeFigure {

    private PurgeFigure() {
    }

    public static void main(String[] args) throws Exception {
        int objects = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        Path shm = Path.of("/dev/shm");
        Path work = Files.isDirectory(shm) ? Files.createTempDirectory(shm, "zeroedge-purge-figure")
                : Files.createTempDirectory("zeroedge-purge-figure");
        Path directory = work.resolve("cache");
        long started = System.nanoTime();
        Store store = new Store(directory);
        long now = System.currentTimeMillis();
        for (int i = 0; i < objects; i++) {
            CacheKey key = CacheKey.of("edge.test", "/video/" + (i % 100) + "/seg-" + i + ".m4s", null);
            Store.Temp temp = store.create(key.hash(), 1);
            temp.writer().write(ByteBuffer.wrap(new byte[] {(byte) i}));
            store.commit(temp, key.hash(), new StoredObject(key.text(), 200, "video/iso.segment", null, null, -1,
                    List.of(), 1, now, 0, 3600, false, SliceMap.whole(1, 0)));
        }
        System.out.printf("%d objects committed in %d ms%n", objects, ms(started));

        Transport transport = Transports.load().require(Mode.EPOLL_SENDFILE);
        CacheConfig config = CacheConfig.of("http://127.0.0.1:9", directory);
        EdgeCache[] source = new EdgeCache[1];
        ZeroedgeServer server = ZeroedgeServer.start(ServerConfig.of(work, new InetSocketAddress("127.0.0.1", 0))
                        .withEventLoops(1).withGracePeriod(Duration.ofSeconds(1)), transport,
                (c, opener, pool) -> source[0] = EdgeCache.open(config, transport, pool, false));
        EdgeCache cache = source[0];
        System.out.printf("index: %d objects found again in %d ms%n", cache.recovered().get(10, TimeUnit.MINUTES),
                ms(started));

        // Warm the purge's code (records of prefixes that reach nothing), each swept before the next.
        long[] warm = new long[200];
        for (int i = 0; i < warm.length; i++) {
            long t = System.nanoTime();
            cache.find(purge("/warm-" + i + "/"), ImmediateEventExecutor.INSTANCE).get();
            warm[i] = System.nanoTime() - t;
        }
        java.util.Arrays.sort(warm);
        System.out.printf("warm-up purges (records reaching nothing): median %.1f µs, max %.1f µs%n",
                warm[warm.length / 2] / 1e3, warm[warm.length - 1] / 1e3);
        cache.purges().after(() -> { }).get(10, TimeUnit.MINUTES);
        while (bodies(directory) != objects) {
            Thread.sleep(10); // nothing of the warm-up reached an object
        }

        long before = System.nanoTime();
        var answer = cache.find(purge("/video/"), ImmediateEventExecutor.INSTANCE);
        long handled = System.nanoTime() - before;
        System.out.printf("PURGE X-Purge-Prefix /video/ of %d objects: %s, handled in %.1f µs (the source's find)%n",
                objects, answer.get(), handled / 1e3);
        long sweep = System.nanoTime();
        cache.purges().after(() -> { }).get(10, TimeUnit.MINUTES);
        System.out.printf("sweep (background): the index forgets them in %d ms; %d left in it%n", ms(sweep),
                cache.objects());
        while (bodies(directory) > 0) {
            Thread.sleep(10);
        }
        System.out.printf("every body file unlinked %d ms after the purge%n", ms(sweep));

        // The same over a socket: the request path from the first byte in to the 200 out, plus loopback.
        try (RawHttp http = new RawHttp(server.port())) {
            for (int i = 0; i < 5; i++) {
                long rt = System.nanoTime();
                String status = http.exchange("PURGE / HTTP/1.1\r\nHost: edge.test\r\nX-Purge-Prefix: /audio-" + i
                        + "/\r\n\r\n").statusLine();
                System.out.printf("PURGE over loopback: %s in %.1f µs%n", status, (System.nanoTime() - rt) / 1e3);
            }
        }
        server.shutdown(Duration.ofSeconds(1));
        try (Stream<Path> walk = Files.walk(work)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
        System.exit(0); // the cache's own threads (the sweep's, the pool's) would keep the JVM up
    }

    private static long bodies(Path directory) throws Exception {
        while (true) {
            try (Stream<Path> walk = Files.walk(directory)) {
                return walk.filter(p -> p.getFileName().toString().matches("[0-9a-f]{32}")).count();
            } catch (java.io.UncheckedIOException e) {
                // A file removed while the walk passed it: walked again.
            }
        }
    }

    private static long ms(long since) {
        return (System.nanoTime() - since) / 1_000_000;
    }

    private static ContentRequest purge(String prefix) {
        HttpHeaders headers = new DefaultHttpHeaders().add("Host", "edge.test").add("X-Purge-Prefix", prefix);
        return new ContentRequest() {
            @Override
            public HttpMethod method() {
                return HttpMethod.valueOf("PURGE");
            }

            @Override
            public String path() {
                return "/";
            }

            @Override
            public String query() {
                return null;
            }

            @Override
            public HttpHeaders headers() {
                return headers;
            }

            @Override
            public SocketAddress client() {
                return new InetSocketAddress("127.0.0.1", 40000);
            }
        };
    }
}
