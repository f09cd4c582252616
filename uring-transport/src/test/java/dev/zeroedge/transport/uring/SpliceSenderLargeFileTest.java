package dev.zeroedge.transport.uring;

import dev.zeroedge.server.ServerConfig;
import dev.zeroedge.server.ZeroedgeServer;
import dev.zeroedge.testing.MarkedSparseFile;
import dev.zeroedge.testing.OpenDescriptors;
import dev.zeroedge.testing.RawHttp;
import dev.zeroedge.testing.RawHttp.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What Netty's own io_uring splice gets wrong and zeroedge's must get right, beyond the sender contract
 * that every mode runs ({@link UringSpliceSenderContractTest}: ranges past 2 and 4 GiB, aborts): a whole
 * file past 2 GiB arrives (Netty keeps the position in an int), and fifty connections that vanish mid-body
 * at once leave nothing behind (the pipe may be full of their bytes: it must be closed, not reused).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SpliceSenderLargeFileTest {

    private static final long GIB = 1024L * 1024 * 1024;
    private static final long THREE_GIB = 3 * GIB;
    private static final int SIXTY_FOUR_MIB = 64 * 1024 * 1024;

    private Path root;
    private MarkedSparseFile three;
    private ZeroedgeServer server;
    private int port;

    @BeforeAll
    void start() throws IOException {
        root = Files.createTempDirectory("zeroedge-uring-large");
        three = MarkedSparseFile.create(root.resolve("three.bin"), THREE_GIB, Map.of(
                0L, "start",
                2 * GIB - 5, "across-2-GiB",
                2 * GIB + 4093, "past-2-GiB-unaligned",
                THREE_GIB - 11, "end-of-3"));
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
            three.assertBody(http.input(), 0, THREE_GIB);
            // The connection is still in step: the next response starts right after the last body byte.
            assertEquals("hello\n", http.exchange("GET /hello.txt HTTP/1.1\r\nHost: a\r\n\r\n").bodyText());
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
}
