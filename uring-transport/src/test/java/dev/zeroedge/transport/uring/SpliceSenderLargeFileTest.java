package dev.zeroedge.transport.uring;

import dev.zeroedge.server.ServerConfig;
import dev.zeroedge.server.ZeroedgeServer;
import dev.zeroedge.testing.OpenDescriptors;
import dev.zeroedge.testing.RawHttp;
import dev.zeroedge.testing.RawHttp.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What Netty's own io_uring splice gets wrong and zeroedge's must get right: files past 2 GiB (Netty keeps
 * the position in an int) and 4 GiB (a 32-bit offset), whole and in ranges, and connections that vanish
 * mid-body (the pipe may be full of their bytes: it must be closed, not reused, and nothing may leak).
 * Sparse files: zeros everywhere except known markers at known offsets, so every byte can be checked.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SpliceSenderLargeFileTest {

    private static final long GIB = 1024L * 1024 * 1024;
    private static final long THREE_GIB = 3 * GIB;
    private static final long FIVE_GIB = 5 * GIB;
    private static final int SIXTY_FOUR_MIB = 64 * 1024 * 1024;

    /** Offset → marker bytes, in both files where they fit: around the 2 GiB and 4 GiB boundaries and the end. */
    private final TreeMap<Long, byte[]> markers = new TreeMap<>();

    private Path root;
    private ZeroedgeServer server;
    private int port;

    @BeforeAll
    void start() throws IOException {
        root = Files.createTempDirectory("zeroedge-uring-large");
        markers.put(0L, marker("start"));
        markers.put(2 * GIB - 5, marker("across-2-GiB"));
        markers.put(2 * GIB + 4093, marker("past-2-GiB-unaligned"));
        markers.put(THREE_GIB - 11, marker("end-of-3"));
        markers.put(4 * GIB - 7, marker("across-4-GiB"));
        markers.put(4 * GIB + 12345, marker("past-4-GiB"));
        markers.put(FIVE_GIB - 10, marker("end-of-5"));
        sparse(root.resolve("three.bin"), THREE_GIB);
        sparse(root.resolve("five.bin"), FIVE_GIB);
        byte[] pattern = new byte[SIXTY_FOUR_MIB];
        for (int i = 0; i < pattern.length; i++) {
            pattern[i] = (byte) (i ^ (i >>> 11));
        }
        Files.write(root.resolve("big.bin"), pattern);
        Files.writeString(root.resolve("hello.txt"), "hello\n");
        new UringSpliceTransport().availability().ensureAvailable();
        server = ZeroedgeServer.start(ServerConfig.of(root, new InetSocketAddress("127.0.0.1", 0))
                .withEventLoops(1).withGracePeriod(Duration.ofSeconds(1)).withInlineBodyMax(0),
                new UringSpliceTransport());
        port = server.port();
    }

    @AfterAll
    void stop() throws IOException {
        if (server != null) {
            server.shutdown(Duration.ofSeconds(1));
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Test
    void wholeThreeGigabyteFileArrivesByteForByte() throws IOException {
        try (RawHttp http = new RawHttp(port)) {
            http.send("GET /three.bin HTTP/1.1\r\nHost: a\r\n\r\n");
            Response head = http.readHead();
            assertEquals(200, head.status());
            assertEquals(Long.toString(THREE_GIB), head.header("Content-Length"));
            assertBody(http.input(), 0, THREE_GIB);
            // The connection is still in step: the next response starts right after the last body byte.
            assertEquals("hello\n", http.exchange("GET /hello.txt HTTP/1.1\r\nHost: a\r\n\r\n").bodyText());
        }
    }

    @Test
    void rangesPastTwoAndFourGigabytes() throws IOException {
        long[][] ranges = {
                {2 * GIB - 100, 2 * GIB + 100},               // across the int boundary
                {2 * GIB + 4000, 2 * GIB + 4200},             // unaligned, past 2 GiB
                {4 * GIB - 4096 - 1, 4 * GIB + 64 * 1024},    // across the 32-bit boundary, unaligned start
                {4 * GIB + 12345, 4 * GIB + 12345 + 9},       // exactly one marker
                {4 * GIB, 4 * GIB + 5L * 1024 * 1024 - 1},    // several slices' worth of pipe
                {FIVE_GIB - 10, FIVE_GIB - 1},                // the last bytes
        };
        try (RawHttp http = new RawHttp(port)) {
            for (long[] range : ranges) {
                http.send("GET /five.bin HTTP/1.1\r\nHost: a\r\nRange: bytes=" + range[0] + "-" + range[1] + "\r\n\r\n");
                Response head = http.readHead();
                assertEquals(206, head.status(), head.toString());
                assertEquals("bytes " + range[0] + "-" + range[1] + "/" + FIVE_GIB, head.header("Content-Range"));
                long length = range[1] - range[0] + 1;
                assertEquals(Long.toString(length), head.header("Content-Length"));
                assertBody(http.input(), range[0], length);
            }
        }
    }

    @Test
    void fiftyClientsAbortingMidDownloadLeaveNoDescriptorBehind() throws Exception {
        // Warm up the same way first: 50 complete downloads at once fill the event loop's pipe pool to its
        // bound, so the baseline already counts the pooled pipes an idle server keeps.
        runClients(Long.MAX_VALUE);
        int baseline = OpenDescriptors.count();
        List<Integer> read = runClients(4L * 1024 * 1024);
        for (int n : read) {
            assertTrue(n > 0 && n < SIXTY_FOUR_MIB, "aborted after " + n + " bytes");
        }
        int after = OpenDescriptors.awaitAtMost(baseline, 10_000);
        assertTrue(after <= baseline, "descriptors back to " + baseline + ", but " + after + " are open");
        try (RawHttp http = new RawHttp(port)) {
            assertEquals("hello\n", http.exchange("GET /hello.txt HTTP/1.1\r\nHost: a\r\n\r\n").bodyText());
            Response big = http.exchange("GET /big.bin HTTP/1.1\r\nHost: a\r\n\r\n");
            assertEquals(SIXTY_FOUR_MIB, big.body().length);
            assertArrayEquals(Files.readAllBytes(root.resolve("big.bin")), big.body(), "a reused pipe was clean");
        }
    }

    /** 50 concurrent downloads of big.bin; each reads up to about {@code stopAfter} bytes and resets. */
    private List<Integer> runClients(long stopAfter) throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(50);
        try {
            List<Future<Integer>> downloads = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                long limit = stopAfter == Long.MAX_VALUE ? Long.MAX_VALUE : (1 + i % 7) * stopAfter / 7 + 1;
                downloads.add(clients.submit(() -> {
                    try (RawHttp http = new RawHttp(port)) {
                        http.socket().setReceiveBufferSize(64 * 1024);
                        http.send("GET /big.bin HTTP/1.1\r\nHost: a\r\n\r\n");
                        // A response that does not start with its own head got another connection's bytes.
                        assertEquals(200, http.readHead().status());
                        InputStream in = http.input();
                        byte[] chunk = new byte[64 * 1024];
                        int total = 0;
                        while (total < limit && total < SIXTY_FOUR_MIB) {
                            int n = in.read(chunk, 0, (int) Math.min(chunk.length, SIXTY_FOUR_MIB - total));
                            if (n < 0) {
                                break;
                            }
                            total += n;
                        }
                        if (limit != Long.MAX_VALUE) {
                            http.socket().setSoLinger(true, 0); // reset, like a player seeking away
                        }
                        return total;
                    }
                }));
            }
            List<Integer> read = new ArrayList<>();
            for (Future<Integer> download : downloads) {
                read.add(download.get());
            }
            return read;
        } finally {
            clients.shutdownNow();
        }
    }

    /** Reads {@code length} body bytes that stand for file bytes from {@code offset}, checking each one. */
    private void assertBody(InputStream in, long offset, long length) throws IOException {
        byte[] chunk = new byte[1 << 20];
        long at = offset;
        long end = offset + length;
        while (at < end) {
            int n = in.read(chunk, 0, (int) Math.min(chunk.length, end - at));
            assertTrue(n > 0, "body ended at file byte " + at + " of " + end);
            checkChunk(chunk, n, at);
            at += n;
        }
    }

    private void checkChunk(byte[] chunk, int n, long at) {
        byte[] expected = new byte[n];
        var inRange = markers.subMap(at - 64, true, at + n, false);
        for (var marker : inRange.entrySet()) {
            byte[] bytes = marker.getValue();
            for (int i = 0; i < bytes.length; i++) {
                long where = marker.getKey() + i - at;
                if (where >= 0 && where < n) {
                    expected[(int) where] = bytes[i];
                }
            }
        }
        if (!Arrays.equals(chunk, 0, n, expected, 0, n)) {
            int i = Arrays.mismatch(chunk, 0, n, expected, 0, n);
            throw new AssertionError("byte " + (at + i) + " is " + chunk[i] + ", expected " + expected[i]);
        }
    }

    private void sparse(Path file, long length) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(length);
            for (var marker : markers.entrySet()) {
                if (marker.getKey() + marker.getValue().length <= length) {
                    raf.seek(marker.getKey());
                    raf.write(marker.getValue());
                }
            }
        }
    }

    private static byte[] marker(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
