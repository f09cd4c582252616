package dev.zeroedge.http;

import dev.zeroedge.server.ServerConfig;
import dev.zeroedge.server.ZeroedgeServer;
import dev.zeroedge.testing.LeakRecorder;
import dev.zeroedge.testing.Leftovers;
import dev.zeroedge.testing.OpenDescriptors;
import dev.zeroedge.testing.RawHttp;
import dev.zeroedge.testing.RawHttp.Response;
import dev.zeroedge.testing.SlowFileSystem;
import dev.zeroedge.transport.Transport;
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
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The send timeout in every mode: it measures time in which a response makes no progress, not time per
 * slice. A client that reads slowly but steadily gets the whole file; one that stops reading is closed
 * after the send timeout and leaves nothing behind. Each transport module runs it with a one-line
 * subclass.
 *
 * <p>Scaled down from "20 KiB/s, 16 MiB, 2 MiB slices, 60 s" to {@link #RATE}, {@link #SIZE},
 * {@link #SLICE} and {@link #SEND_TIMEOUT}: one slice takes nearly three send timeouts to leave while bytes
 * move all the time. On loopback the kernel sizes the server's send buffer to 4 MiB and wakes a writer
 * only when a third of it has drained (1.1-1.3 MB, measured with {@code ss}), so the finest progress a
 * writer sees here is about 0.6 s at this rate; the slice is larger than the default so that the slice,
 * not that wake-up, is what separates a send timeout per slice from one per write, in every mode. A
 * reader slower than that wake-up is the third test. The
 * client reads through a small receive buffer; the keep-alive idle timeout stays at its default, so
 * nothing but the send timeout can close.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class SlowReaderSuite {

    static final Duration SEND_TIMEOUT = Duration.ofMillis(1500);
    static final int RATE = 2 * 1024 * 1024;
    static final long SLICE = 8L * 1024 * 1024;
    static final int SIZE = 8 * 1024 * 1024;
    static final int RECEIVE_BUFFER = 16 * 1024;
    static final Duration ATTRIBUTES_DELAY = Duration.ofMillis(300);

    private Path root;
    private Path file;
    private byte[] data;
    private ZeroedgeServer server;

    /** The transport under test. */
    protected abstract Transport transport();

    @BeforeAll
    void startServer() throws IOException {
        Transport transport = transport();
        transport.availability().ensureAvailable();
        root = Files.createTempDirectory("zeroedge-slow");
        data = new byte[SIZE];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 31 + i / 4099);
        }
        file = Files.write(root.resolve("slow.bin"), data);
        Files.writeString(root.resolve("small.txt"), "small\n");
        // No open-file cache: a descriptor of slow.bin open after its response can only be a sender's. Inline
        // bodies off: even small.txt goes through the sender under test.
        ServerConfig config = ServerConfig.of(root, new InetSocketAddress("127.0.0.1", 0)).withEventLoops(1)
                .withOpenFileCache(0, Duration.ofSeconds(1)).withInlineBodyMax(0).withGracePeriod(Duration.ofSeconds(1))
                .withMaxSlice(SLICE).withLimits(HttpLimits.DEFAULTS.withSendTimeout(SEND_TIMEOUT));
        server = ZeroedgeServer.start(config, transport);
    }

    @AfterAll
    void stopServer() throws Exception {
        if (server != null) {
            server.shutdown(Duration.ofSeconds(1));
        }
        if (root != null) {
            try (Stream<Path> walk = Files.walk(root)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
        assertTrue(LeakRecorder.installed(), "leak recorder not installed at PARANOID in this JVM");
        assertEquals(List.of(), LeakRecorder.collect(), "Netty buffers leaked");
    }

    @Test
    void aSlowReaderThatKeepsReadingGetsTheWholeFile() throws IOException, InterruptedException {
        try (RawHttp http = new RawHttp(server.port(), RECEIVE_BUFFER)) {
            http.send("GET /slow.bin HTTP/1.1\r\nHost: a\r\n\r\n");
            Response head = http.readHead();
            assertEquals("HTTP/1.1 200 OK", head.statusLine());
            assertEquals(Integer.toString(SIZE), head.header("Content-Length"));
            byte[] received = readSteadily(http.input(), SIZE, RATE);
            assertEquals(SIZE, received.length, "bytes before the server closed");
            assertArrayEquals(data, received);
            // The connection is still there and back to waiting for requests.
            assertEquals("small\n", http.exchange("GET /small.txt HTTP/1.1\r\nHost: a\r\n\r\n").bodyText());
        }
    }

    /**
     * Much slower than the send buffer drains: after its first fill the kernel takes nothing new for 17 s (it
     * wakes the writer when a third of its 4 MiB has gone), while the client reads all the time; its window
     * opens only when it has read half its buffer, so between two openings the kernel probes a zero window.
     * After three send timeouts the server must still be sending (holding the file); with only the writes as
     * progress it had closed after one.
     */
    @Test
    void aReaderSlowerThanTheSendBufferDrainsIsNotCutOff() throws Exception {
        ZeroedgeServer quick = ZeroedgeServer.start(server.config().withLimits(
                HttpLimits.DEFAULTS.withSendTimeout(Duration.ofSeconds(1))), transport());
        try (RawHttp http = new RawHttp(quick.port(), RECEIVE_BUFFER)) {
            http.send("GET /slow.bin HTTP/1.1\r\nHost: a\r\n\r\n");
            assertEquals("HTTP/1.1 200 OK", http.readHead().statusLine());
            byte[] received = readSteadily(http.input(), 192 * 1024, 64 * 1024);
            assertArrayEquals(Arrays.copyOf(data, received.length), received);
            assertEquals(192 * 1024, received.length, "bytes before the server closed");
            assertTrue(Leftovers.descriptors(file) > 0, "the response is still on its way");
            http.socket().setSoLinger(true, 0);
        } finally {
            quick.shutdown(Duration.ofSeconds(1));
        }
        assertEquals("", Leftovers.awaitNone(file, 5_000));
    }

    @Test
    void aClientThatStopsReadingIsClosedAfterTheSendTimeoutAndLeavesNothing() throws Exception {
        // One response first, so that whatever the mode pools per loop (uring-splice: a pipe) is in the baseline;
        // the server closes that connection before the client sees the end of it.
        try (RawHttp warm = new RawHttp(server.port())) {
            assertEquals("small\n", warm.exchange("GET /small.txt HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
                    .bodyText());
            assertTrue(warm.closedByServer(5_000));
        }
        int baseline = OpenDescriptors.count();
        try (RawHttp stalled = new RawHttp(server.port(), RECEIVE_BUFFER)) {
            long asked = System.nanoTime();
            stalled.send("GET /slow.bin HTTP/1.1\r\nHost: a\r\n\r\n");
            assertEquals("HTTP/1.1 200 OK", stalled.readHead().statusLine());
            assertTrue(Leftovers.descriptors(file) > 0, "the response is on its way");
            // The client reads nothing more. The server lets go of the file when it closes the connection.
            assertEquals("", Leftovers.awaitNone(file, 10_000));
            Duration open = Duration.ofNanos(System.nanoTime() - asked);
            assertTrue(open.compareTo(SEND_TIMEOUT) >= 0, "closed after " + open + ", before the send timeout");
            // What was already in the socket buffers arrives, then the end: the body is cut short.
            byte[] rest = stalled.input().readAllBytes();
            assertTrue(rest.length < SIZE, rest.length + " bytes of " + SIZE);
            assertArrayEquals(Arrays.copyOf(data, rest.length), rest);
        }
        int after = OpenDescriptors.awaitAtMost(baseline, 5_000);
        assertTrue(after <= baseline, "descriptors back to " + baseline + ", but " + after + " are open");
        assertEquals(List.of(), LeakRecorder.collect(), "Netty buffers leaked");
        try (RawHttp next = new RawHttp(server.port())) {
            assertEquals("small\n", next.exchange("GET /small.txt HTTP/1.1\r\nHost: a\r\n\r\n").bodyText());
        }
    }

    /**
     * A slow reader of a file whose file system answers getattr slowly (a FUSE file system here; NFS with
     * expired attributes alike) holds up no other response of its loop. Each time the socket takes no more of a
     * body, Netty's own epoll file region asks the file's size (an fstat, to tell a file cut short from a full
     * socket), and here every fstat waits {@link #ATTRIBUTES_DELAY} for the file system: epoll-sendfile stalled
     * its loop that long, over and over, while this body went out. The small responses asked for meanwhile on
     * the same loop (one loop) must each come back in less than one such wait: a bound by the injected delay,
     * not a timing.
     */
    @Test
    void aSlowReaderOfAFileWithSlowAttributesHoldsUpNoOtherResponse() throws Exception {
        Path source = Files.createTempDirectory("zeroedge-slow-attributes");
        Files.write(source.resolve("slow.bin"), data);
        Path mounted = Files.createDirectories(root.resolve("attributes"));
        // The lookup of the name takes several getattrs (on the file-system threads), longer than this suite's
        // send timeout: a server of its own, with a longer one.
        ZeroedgeServer patient = ZeroedgeServer.start(server.config().withLimits(
                HttpLimits.DEFAULTS.withSendTimeout(Duration.ofSeconds(10))), transport());
        try (SlowFileSystem fuse = SlowFileSystem.mount(source, mounted, ATTRIBUTES_DELAY, Set.of("getattr"));
             RawHttp reader = new RawHttp(patient.port(), RECEIVE_BUFFER);
             RawHttp other = new RawHttp(patient.port())) {
            reader.send("GET /attributes/slow.bin HTTP/1.1\r\nHost: a\r\n\r\n");
            assertEquals("HTTP/1.1 200 OK", reader.readHead().statusLine());
            long slowest = 0;
            int got = 0;
            byte[] received = new byte[SIZE];
            long until = System.nanoTime() + ATTRIBUTES_DELAY.toNanos() * 4;
            while (System.nanoTime() < until) {
                // A little of the body (about 800 KiB/s through the small receive buffer: the socket fills again
                // and again, and the body lasts longer than the loop), then a small response.
                int n = reader.input().read(received, got, Math.min(256 * 1024, SIZE - got));
                assertTrue(n > 0, "the body ended at " + got);
                got += n;
                long asked = System.nanoTime();
                assertEquals("small\n", other.exchange("GET /small.txt HTTP/1.1\r\nHost: a\r\n\r\n").bodyText());
                slowest = Math.max(slowest, System.nanoTime() - asked);
                Thread.sleep(20);
            }
            assertTrue(Duration.ofNanos(slowest).compareTo(ATTRIBUTES_DELAY) < 0, "a small response took "
                    + Duration.ofNanos(slowest).toMillis() + " ms beside a slow reader: its loop waited for a getattr");
            assertArrayEquals(Arrays.copyOf(data, got), Arrays.copyOf(received, got));
            reader.socket().setSoLinger(true, 0);
        } finally {
            patient.shutdown(Duration.ofSeconds(1));
            try (Stream<Path> walk = Files.walk(source)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /**
     * Reads {@code length} bytes at {@code rate} bytes a second, a little at a time, the way a client on a
     * slow link does; returns what arrived before the end of the stream.
     */
    private static byte[] readSteadily(InputStream in, int length, int rate) throws IOException, InterruptedException {
        byte[] received = new byte[length];
        int got = 0;
        long start = System.nanoTime();
        while (got < length) {
            long allowed = Math.min(length, (System.nanoTime() - start) * rate / 1_000_000_000L);
            if (got >= allowed) {
                Thread.sleep(5);
                continue;
            }
            int n = in.read(received, got, (int) (allowed - got));
            if (n < 0) {
                break;
            }
            got += n;
        }
        return Arrays.copyOf(received, got);
    }
}
