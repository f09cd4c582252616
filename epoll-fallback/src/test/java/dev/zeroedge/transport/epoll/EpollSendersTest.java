package dev.zeroedge.transport.epoll;

import dev.zeroedge.mode.Mode;
import dev.zeroedge.server.ZeroedgeServer;
import dev.zeroedge.testing.LeakRecorder;
import dev.zeroedge.testing.Leftovers;
import dev.zeroedge.testing.RawHttp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.LongSupplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each epoll sender over a real socket: exact bytes of whole files, ranges and multipart bodies cut
 * into many slices, the counters, and nothing left open or mapped afterwards. (The shared HTTP
 * behaviour suite covers HTTP semantics; this covers what differs between the senders.)
 */
class EpollSendersTest {

    /** An odd slice size, so slice edges fall inside ranges and chunks, never on a page boundary. */
    private static final long SLICE = 64 * 1024 + 7;

    @TempDir
    Path root;

    private ZeroedgeServer server;

    @AfterAll
    static void nothingLeaked() throws InterruptedException {
        assertTrue(LeakRecorder.installed(), "leak recorder not installed at PARANOID in this JVM");
        assertEquals(List.of(), LeakRecorder.collect(), "Netty buffers leaked");
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.shutdown(Duration.ofSeconds(1));
        }
    }

    private byte[] randomFile(String name, int size) throws IOException {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        Files.write(root.resolve(name), bytes);
        return bytes;
    }

    private void start(String mode) throws IOException {
        server = EpollModes.start(mode, root, config -> config.withMaxSlice(SLICE));
    }

    @ParameterizedTest
    @ValueSource(strings = {"epoll-sendfile", "epoll-mmap", "epoll-copy"})
    void wholeFileInManySlicesArrivesExactlyAndIsCounted(String mode) throws Exception {
        byte[] file = randomFile("a.bin", 5 * 64 * 1024 + 123);
        start(mode);
        try (RawHttp client = new RawHttp(server.port())) {
            RawHttp.Response response = client.send("GET /a.bin HTTP/1.1\r\nHost: t\r\n\r\n").read();
            assertEquals("HTTP/1.1 200 OK", response.statusLine());
            assertEquals(Integer.toString(file.length), response.header("Content-Length"));
            assertEquals("application/octet-stream", response.header("Content-Type"));
            assertArrayEquals(file, response.body());
        }
        awaitValue(file.length, () -> server.counters().fileBytes());
        awaitValue(1, () -> server.counters().responses());
        assertEquals("", Leftovers.awaitNone(root.resolve("a.bin"), 5_000));
    }

    @ParameterizedTest
    @ValueSource(strings = {"epoll-sendfile", "epoll-mmap", "epoll-copy"})
    void rangeAcrossSlicesAndChunks(String mode) throws Exception {
        byte[] file = randomFile("a.bin", 300_000);
        start(mode);
        try (RawHttp client = new RawHttp(server.port())) {
            RawHttp.Response response = client.send("GET /a.bin HTTP/1.1\r\nHost: t\r\nRange: bytes=1001-250000\r\n\r\n").read();
            assertEquals("HTTP/1.1 206 Partial Content", response.statusLine());
            assertEquals("bytes 1001-250000/300000", response.header("Content-Range"));
            assertArrayEquals(Arrays.copyOfRange(file, 1001, 250_001), response.body());
        }
        awaitValue(249_000, () -> server.counters().fileBytes());
    }

    @ParameterizedTest
    @ValueSource(strings = {"epoll-sendfile", "epoll-mmap", "epoll-copy"})
    void multipartRangesCarryEachPartAfterItsHeader(String mode) throws Exception {
        byte[] file = randomFile("a.bin", 200_000);
        start(mode);
        try (RawHttp client = new RawHttp(server.port())) {
            RawHttp.Response response = client.send("GET /a.bin HTTP/1.1\r\nHost: t\r\nRange: bytes=0-9,100000-199999\r\n\r\n").read();
            assertEquals("HTTP/1.1 206 Partial Content", response.statusLine());
            String type = response.header("Content-Type");
            assertTrue(type.startsWith("multipart/byteranges; boundary="), type);
            String boundary = type.substring(type.indexOf('=') + 1);
            byte[] expected = concat(
                    ("\r\n--" + boundary + "\r\nContent-Type: application/octet-stream\r\nContent-Range: bytes 0-9/200000\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII),
                    Arrays.copyOfRange(file, 0, 10),
                    ("\r\n--" + boundary + "\r\nContent-Type: application/octet-stream\r\nContent-Range: bytes 100000-199999/200000\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII),
                    Arrays.copyOfRange(file, 100_000, 200_000),
                    ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
            assertArrayEquals(expected, response.body());
        }
        awaitValue(100_010, () -> server.counters().fileBytes());
    }

    @ParameterizedTest
    @ValueSource(strings = {"epoll-sendfile", "epoll-mmap", "epoll-copy"})
    void pipelinedRequestsAreAnsweredInOrderOnOneConnection(String mode) throws Exception {
        byte[] a = randomFile("a.bin", 150_000);
        byte[] b = randomFile("b.bin", 1);
        Files.write(root.resolve("empty.bin"), new byte[0]);
        start(mode);
        try (RawHttp client = new RawHttp(server.port())) {
            client.send("GET /a.bin HTTP/1.1\r\nHost: t\r\n\r\n"
                    + "GET /empty.bin HTTP/1.1\r\nHost: t\r\n\r\n"
                    + "HEAD /a.bin HTTP/1.1\r\nHost: t\r\n\r\n"
                    + "GET /b.bin HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
            assertArrayEquals(a, client.read().body());
            RawHttp.Response empty = client.read();
            assertEquals("0", empty.header("Content-Length"));
            RawHttp.Response head = client.readHead();
            assertEquals("HTTP/1.1 200 OK", head.statusLine());
            assertEquals("150000", head.header("Content-Length"));
            RawHttp.Response last = client.read();
            assertEquals("close", last.header("Connection"));
            assertArrayEquals(b, last.body());
            assertTrue(client.closedByServer(5_000));
        }
        awaitValue(150_001, () -> server.counters().fileBytes());
        awaitValue(4, () -> server.counters().responses());
    }

    @ParameterizedTest
    @ValueSource(strings = {"epoll-sendfile", "epoll-mmap", "epoll-copy"})
    void abandonedDownloadLeavesNoDescriptorOrMapping(String mode) throws Exception {
        Path big = root.resolve("big.bin");
        try (RandomAccessFile sparse = new RandomAccessFile(big.toFile(), "rw")) {
            sparse.setLength(256L * 1024 * 1024);
        }
        server = EpollModes.start(mode, root, config -> config);
        try (RawHttp client = new RawHttp(server.port())) {
            client.send("GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n");
            assertEquals("HTTP/1.1 200 OK", client.readHead().statusLine());
            assertEquals(100_000, client.input().readNBytes(100_000).length);
            assertTrue(Leftovers.descriptors(big) > 0, "the download is still running");
            if (mode.equals(Mode.EPOLL_MMAP.userName())) {
                assertTrue(Leftovers.mappings(big) > 0, "a slice is mapped while it is in flight");
            }
        }
        assertEquals("", Leftovers.awaitNone(big, 10_000));
        assertEquals(0, server.counters().responses());
    }

    private static void awaitValue(long expected, LongSupplier actual) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (actual.getAsLong() != expected && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(expected, actual.getAsLong());
    }

    private static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        byte[] all = new byte[length];
        int at = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return all;
    }
}
