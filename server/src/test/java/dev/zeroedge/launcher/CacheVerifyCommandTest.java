package dev.zeroedge.launcher;

import dev.zeroedge.cache.CacheConfig;
import dev.zeroedge.cache.EdgeCache;
import dev.zeroedge.mode.Mode;
import dev.zeroedge.server.ServerConfig;
import dev.zeroedge.server.ZeroedgeServer;
import dev.zeroedge.testing.RawHttp;
import dev.zeroedge.transport.Transport;
import dev.zeroedge.transport.Transports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code cache verify --cache-dir DIR}, run as the jar's Main runs it, on a directory a real edge cache filled
 * from a real origin: exit 0 and a summary when every object is well, 1 with a line naming the key and the
 * slice after a byte of a body was flipped on disk, 2 for a bad command line. And the scrubber's flags.
 */
class CacheVerifyCommandTest {

    @TempDir
    Path dir;

    private String out;
    private String err;

    private int run(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(o, true, StandardCharsets.UTF_8),
                new PrintStream(e, true, StandardCharsets.UTF_8));
        out = o.toString(StandardCharsets.UTF_8);
        err = e.toString(StandardCharsets.UTF_8);
        return code;
    }

    /** A cache directory with one object of {@code body}, filled through a cache server from an origin. */
    private Path filledCache(byte[] body) throws Exception {
        Path root = Files.createDirectory(dir.resolve("origin"));
        Files.write(root.resolve("clip.bin"), body);
        Files.setLastModifiedTime(root.resolve("clip.bin"), FileTime.from(Instant.now().minus(Duration.ofDays(10))));
        Path cacheDir = dir.resolve("cache");
        Transport transport = Transports.load().require(Mode.NIO_SENDFILE);
        ZeroedgeServer origin = ZeroedgeServer.start(ServerConfig.of(root, new InetSocketAddress("127.0.0.1", 0))
                .withEventLoops(1).withGracePeriod(Duration.ofSeconds(1)), transport);
        try {
            CacheConfig config = CacheConfig.of("http://127.0.0.1:" + origin.port(), cacheDir);
            ZeroedgeServer cache = ZeroedgeServer.start(ServerConfig.of(cacheDir,
                            new InetSocketAddress("127.0.0.1", 0)).withEventLoops(1)
                            .withGracePeriod(Duration.ofSeconds(1)),
                    transport, (c, opener, pool) -> EdgeCache.open(config, transport, pool, false));
            try (RawHttp http = new RawHttp(cache.port())) {
                RawHttp.Response response = http.exchange("GET /clip.bin HTTP/1.1\r\nHost: edge.test\r\n\r\n");
                assertArrayEquals(body, response.body());
                // Committed after the body was sent, and a request meanwhile may have started a second fill: the
                // directory is checked until it is clean (no fill's file in tmp/ is left), and asked nothing more.
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (run("cache", "verify", "--cache-dir", cacheDir.toString()) != 0) {
                    assertTrue(System.nanoTime() < deadline, "never committed: " + out);
                    Thread.sleep(10);
                }
            } finally {
                cache.shutdown(Duration.ofSeconds(1));
            }
        } finally {
            origin.shutdown(Duration.ofSeconds(1));
        }
        return cacheDir;
    }

    @Test
    void aGoodCacheIsExitZeroAndAFlippedByteExitOneNamingKeyAndSlice() throws Exception {
        byte[] body = new byte[50_000];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) (i * 31);
        }
        Path cacheDir = filledCache(body);

        assertEquals(0, run("cache", "verify", "--cache-dir", cacheDir.toString()), out + err);
        assertEquals(cacheDir.toRealPath() + ": 1 objects, 50000 bytes checked, 0 bad, 0 orphans\n", out);

        Path file;
        try (Stream<Path> files = Files.walk(cacheDir)) {
            file = files.filter(p -> Files.isRegularFile(p) && !p.toString().endsWith(".meta")).findFirst()
                    .orElseThrow();
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(new byte[] {(byte) ~body[1234]}), 1234);
            channel.force(true);
        }
        assertEquals(1, run("cache", "verify", "--cache-dir", cacheDir.toString()), out + err);
        List<String> lines = out.lines().toList();
        assertEquals(2, lines.size(), out);
        assertTrue(lines.get(0).matches("bad: edge\\.test /clip\\.bin \\([0-9a-f]+\\) slice 0: CRC32C [0-9a-f]{8},"
                + " metadata says [0-9a-f]{8}"), lines.get(0));
        assertTrue(lines.get(1).endsWith(": 1 objects, 50000 bytes checked, 1 bad, 0 orphans"), lines.get(1));

        // Several directories (a comma list, as serve takes them): a summary line each, exit 1 when any is bad.
        Path empty = Files.createDirectory(dir.resolve("empty"));
        assertEquals(0, run("cache", "verify", "--cache-dir", empty.toString()), out + err);
        assertEquals(1, run("cache", "verify", "--cache-dir", empty + "," + cacheDir), out + err);
        assertEquals(List.of(empty.toRealPath() + ": 0 objects, 0 bytes checked, 0 bad, 0 orphans", lines.get(0),
                lines.get(1)), out.lines().toList());
        assertEquals(2, run("cache", "verify", "--cache-dir", empty + "," + empty), out + err);
        assertTrue(err.contains("names a directory twice"), err);
    }

    @Test
    void usageErrorsAreExitTwo() {
        assertEquals(2, run("cache"));
        assertTrue(err.contains("cache verify --cache-dir DIR"), err);
        assertEquals(2, run("cache", "verify"));
        assertTrue(err.contains("--cache-dir is required"), err);
        assertEquals(2, run("cache", "verify", "--cache-dir", dir.resolve("missing").toString()));
        assertTrue(err.contains("cannot be read"), err);
        assertEquals(2, run("cache", "verify", "--cache-dir", dir.toString(), "--bogus", "1"));
    }

    @Test
    void scrubFlagsAreCheckedAndNeedACache() throws IOException {
        Path file = dir.resolve("zeroedge.yaml");
        Files.writeString(file, """
                origin: http://127.0.0.1:9
                cache-dir: %s
                mode: nio-sendfile
                scrub-rate: 10m
                scrub-interval: 1h
                """.formatted(dir.resolve("c")));
        assertEquals(0, run("check-config", "--config", file.toString()), err);
        assertEquals(2, run("check-config", "--config", file.toString(), "--scrub-rate", "fast"));
        assertTrue(err.contains("--scrub-rate"), err);
        assertEquals(2, run("check-config", "--config", file.toString(), "--scrub-interval", "0s"));
        assertTrue(err.contains("--scrub-interval"), err);
        Files.writeString(file, "root: %s\nscrub-rate: 0\n".formatted(dir));
        assertEquals(2, run("check-config", "--config", file.toString()));
        assertTrue(err.contains("scrub-rate") && err.contains("needs --origin"), err);
    }

    @Test
    void serveStartsTheScrubberItsFlagsAskForAndNoneAtZero() throws Exception {
        ServerJvm scrubbing = ServerJvm.startCache("http://127.0.0.1:9", dir.resolve("a"), 4096, "nio-sendfile",
                "--scrub-rate", "1m", "--scrub-interval", "1h");
        try {
            assertEquals(1, scrubbing.logged("cache scrub: 1048576 bytes/s per directory, every object at least once per PT1H")
                    .size(), scrubbing.log().toString());
        } finally {
            scrubbing.stop();
        }
        ServerJvm off = ServerJvm.startCache("http://127.0.0.1:9", dir.resolve("b"), 4096, "nio-sendfile",
                "--scrub-rate", "0");
        try {
            assertEquals(List.of(), off.logged("cache scrub:"));
        } finally {
            off.stop();
        }
    }
}
