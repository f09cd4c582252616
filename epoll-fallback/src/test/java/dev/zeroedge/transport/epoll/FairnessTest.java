package dev.zeroedge.transport.epoll;

import dev.zeroedge.server.ZeroedgeServer;
import dev.zeroedge.testing.LeakRecorder;
import dev.zeroedge.testing.Leftovers;
import dev.zeroedge.testing.RawHttp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fairness rule: a server with one event loop is sending a 1 GiB file to a client that keeps
 * reading, and 100 small requests on another connection are all answered before that download ends.
 */
class FairnessTest {

    private static final long GIB = 1024L * 1024 * 1024;

    @TempDir
    Path root;

    @AfterAll
    static void nothingLeaked() throws InterruptedException {
        assertTrue(LeakRecorder.installed(), "leak recorder not installed at PARANOID in this JVM");
        assertEquals(List.of(), LeakRecorder.collect(), "Netty buffers leaked");
    }

    @ParameterizedTest
    @ValueSource(strings = {"epoll-sendfile", "epoll-mmap", "epoll-copy"})
    void smallRequestsAreAnsweredWhileAGibibyteDownloadRunsOnTheSameLoop(String mode) throws Exception {
        try (RandomAccessFile sparse = new RandomAccessFile(root.resolve("1g.bin").toFile(), "rw")) {
            sparse.setLength(GIB);
        }
        byte[] small = new byte[1024];
        new Random(1).nextBytes(small);
        Files.write(root.resolve("1k.bin"), small);

        ZeroedgeServer server = EpollModes.start(mode, root, config -> config.withEventLoops(1));
        AtomicLong downloaded = new AtomicLong();
        try (RawHttp big = new RawHttp(server.port()); RawHttp quick = new RawHttp(server.port())) {
            big.send("GET /1g.bin HTTP/1.1\r\nHost: t\r\n\r\n");
            assertEquals(GIB, Long.parseLong(big.readHead().header("Content-Length")));
            Thread reader = Thread.ofPlatform().daemon().start(() -> readSteadily(big.input(), downloaded));
            long waited = System.nanoTime() + 5_000_000_000L;
            while (downloaded.get() < 4 * 1024 * 1024 && System.nanoTime() < waited) {
                Thread.sleep(1);
            }
            assertTrue(downloaded.get() >= 4 * 1024 * 1024, "the download is under way");

            for (int i = 0; i < 100; i++) {
                RawHttp.Response response = quick.send("GET /1k.bin HTTP/1.1\r\nHost: t\r\n\r\n").read();
                assertEquals("HTTP/1.1 200 OK", response.statusLine(), "request " + i);
                assertArrayEquals(small, response.body(), "request " + i);
            }

            long done = downloaded.get();
            assertTrue(done < GIB, "all 100 answered while the download was still running, at byte " + done);
            big.close();
            reader.join(5_000);
        } finally {
            server.shutdown(Duration.ofSeconds(1));
        }
        assertEquals(100, server.counters().responses(), "the abandoned download is not counted as a response");
        assertEquals("", Leftovers.awaitNone(root.resolve("1g.bin"), 5_000));
    }

    /**
     * Reads as a real client on a link of a few hundred MB/s would: 256 KiB, then a millisecond's pause.
     * Fast enough to keep the server's loop busy with this download, slow enough that it outlasts the test.
     */
    private static void readSteadily(InputStream in, AtomicLong downloaded) {
        byte[] buffer = new byte[256 * 1024];
        try {
            int read;
            while ((read = in.read(buffer)) > 0) {
                downloaded.addAndGet(read);
                Thread.sleep(1);
            }
        } catch (IOException | InterruptedException closed) {
            // The test closed the connection: the download is abandoned on purpose.
        }
    }
}
