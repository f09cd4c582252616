package dev.zeroedge.transport.epoll;

import dev.zeroedge.mode.Mode;
import dev.zeroedge.server.ZeroedgeServer;
import dev.zeroedge.testing.LeakRecorder;
import dev.zeroedge.testing.OutboundTap;
import dev.zeroedge.testing.RawHttp;
import dev.zeroedge.http.FairFileSender;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Where the line between an inline body and a zero-copy one falls, seen from the socket end of the
 * pipeline in {@code epoll-sendfile} with the default {@code --inline-body-max}: a body of 16383 bytes
 * leaves in the same buffer as its head, one of 16384 bytes as a file region (sendfile).
 */
class InlineBodyTest {

    private static final int LIMIT = FairFileSender.DEFAULT_INLINE_BODY_MAX;

    @TempDir
    static Path root;

    private static byte[] pattern(int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (i * 7 + i / 509);
        }
        return bytes;
    }

    @BeforeAll
    static void files() throws IOException {
        Files.write(root.resolve("at-limit.bin"), pattern(LIMIT));
        Files.write(root.resolve("past-limit.bin"), pattern(LIMIT + 1));
        Files.write(root.resolve("big.bin"), pattern(200_000));
    }

    @AfterAll
    static void nothingLeaked() throws InterruptedException {
        assertTrue(LeakRecorder.installed(), "leak recorder not installed at PARANOID in this JVM");
        assertEquals(List.of(), LeakRecorder.collect(), "Netty buffers leaked");
    }

    private static ZeroedgeServer start(OutboundTap tap, int inlineBodyMax, Duration cacheValid) throws IOException {
        return EpollModes.start(tap.wrap(EpollModes.require(Mode.EPOLL_SENDFILE)), root,
                config -> config.withInlineBodyMax(inlineBodyMax).withOpenFileCache(16, cacheValid));
    }

    @Test
    void bodyAtTheLimitLeavesWithItsHeadInOneWrite() throws IOException {
        OutboundTap tap = new OutboundTap();
        ZeroedgeServer server = start(tap, LIMIT, Duration.ofSeconds(1));
        try (RawHttp http = new RawHttp(server.port())) {
            RawHttp.Response r = http.exchange("GET /at-limit.bin HTTP/1.1\r\nHost: t\r\n\r\n");
            assertEquals("HTTP/1.1 200 OK", r.statusLine());
            assertEquals(Integer.toString(LIMIT), r.header("Content-Length"));
            assertArrayEquals(pattern(LIMIT), r.body());
            assertEquals(0, tap.fileRegionBytes.get());
            assertEquals(tap.memoryBytes.get(), tap.largestMemoryWrite.get(), "one write: head and body");
            assertTrue(tap.memoryBytes.get() > LIMIT, "the body was in the write: " + tap.memoryBytes.get());
        } finally {
            server.shutdown(Duration.ofSeconds(1));
        }
    }

    @Test
    void bodyPastTheLimitIsSentFromTheFile() throws IOException {
        OutboundTap tap = new OutboundTap();
        ZeroedgeServer server = start(tap, LIMIT, Duration.ofSeconds(1));
        try (RawHttp http = new RawHttp(server.port())) {
            RawHttp.Response r = http.exchange("GET /past-limit.bin HTTP/1.1\r\nHost: t\r\n\r\n");
            assertEquals("HTTP/1.1 200 OK", r.statusLine());
            assertArrayEquals(pattern(LIMIT + 1), r.body());
            assertEquals(LIMIT + 1, tap.fileRegionBytes.get());
            assertTrue(tap.memoryBytes.get() < 1024, "only the head in memory: " + tap.memoryBytes.get());
        } finally {
            server.shutdown(Duration.ofSeconds(1));
        }
    }

    @Test
    void smallRangeOfALargeFileGoesInline() throws IOException {
        OutboundTap tap = new OutboundTap();
        ZeroedgeServer server = start(tap, LIMIT, Duration.ofSeconds(1));
        try (RawHttp http = new RawHttp(server.port())) {
            RawHttp.Response r = http.exchange("GET /big.bin HTTP/1.1\r\nHost: t\r\nRange: bytes=150000-150999\r\n\r\n");
            assertEquals("HTTP/1.1 206 Partial Content", r.statusLine());
            assertEquals("bytes 150000-150999/200000", r.header("Content-Range"));
            assertArrayEquals(Arrays.copyOfRange(pattern(200_000), 150_000, 151_000), r.body());
            assertEquals(0, tap.fileRegionBytes.get());
        } finally {
            server.shutdown(Duration.ofSeconds(1));
        }
    }

    @Test
    void zeroTurnsInlineBodiesOff() throws IOException {
        OutboundTap tap = new OutboundTap();
        ZeroedgeServer server = start(tap, 0, Duration.ofSeconds(1));
        try (RawHttp http = new RawHttp(server.port())) {
            RawHttp.Response r = http.exchange("GET /big.bin HTTP/1.1\r\nHost: t\r\nRange: bytes=0-0\r\n\r\n");
            assertEquals("HTTP/1.1 206 Partial Content", r.statusLine());
            assertArrayEquals(new byte[] {pattern(1)[0]}, r.body());
            assertEquals(1, tap.fileRegionBytes.get());
        } finally {
            server.shutdown(Duration.ofSeconds(1));
        }
    }

    @Test
    void heldSmallFileRewrittenInPlaceKeepsItsBytesAndETagUntilCheckedAgain() throws Exception {
        Path page = root.resolve("rewritten.bin");
        byte[] before = pattern(8192);
        byte[] after = new byte[8192];
        Arrays.fill(after, (byte) 'x');
        Files.write(page, before);
        OutboundTap tap = new OutboundTap();
        ZeroedgeServer server = start(tap, LIMIT, Duration.ofSeconds(1));
        try (RawHttp http = new RawHttp(server.port())) {
            String get = "GET /rewritten.bin HTTP/1.1\r\nHost: t\r\n\r\n";
            RawHttp.Response first = http.exchange(get);
            assertArrayEquals(before, first.body());
            // Same inode, same length, new bytes and mtime: a descriptor would already read the new bytes
            // under the old ETag. The held bytes stay the ones the ETag describes.
            try (RandomAccessFile file = new RandomAccessFile(page.toFile(), "rw")) {
                file.write(after);
            }
            RawHttp.Response cached = http.exchange(get);
            assertArrayEquals(before, cached.body());
            assertEquals(first.header("ETag"), cached.header("ETag"));
            // Past twice the validity the name is checked before it answers (within it, behind the held bytes).
            Thread.sleep(2300);
            RawHttp.Response checked = http.exchange(get);
            assertArrayEquals(after, checked.body());
            assertTrue(!first.header("ETag").equals(checked.header("ETag")), "a new ETag: " + checked.header("ETag"));
        } finally {
            server.shutdown(Duration.ofSeconds(1));
        }
    }

    @Test
    void fileCutShortInPlaceIsAnsweredForItsNewLength() throws IOException {
        Path shrinking = root.resolve("shrinking.bin");
        Files.write(shrinking, pattern(200_000));
        OutboundTap tap = new OutboundTap();
        // Cached for a minute: the second request comes within --open-file-cache-valid of a writer truncating
        // the file in place. The file is too large to be held, so the cache looks at its descriptor (statx)
        // before trusting it, sees the new length and answers for the file as it is now.
        ZeroedgeServer server = start(tap, LIMIT, Duration.ofSeconds(60));
        try (RawHttp first = new RawHttp(server.port())) {
            String range = "GET /shrinking.bin HTTP/1.1\r\nHost: t\r\nRange: bytes=150000-150999\r\n\r\n";
            assertArrayEquals(Arrays.copyOfRange(pattern(200_000), 150_000, 151_000), first.exchange(range).body());
            try (RandomAccessFile file = new RandomAccessFile(shrinking.toFile(), "rw")) {
                file.setLength(100_000);
            }
            try (RawHttp second = new RawHttp(server.port())) {
                RawHttp.Response r = second.exchange(range);
                assertEquals("HTTP/1.1 416 Range Not Satisfiable", r.statusLine());
                assertEquals("bytes */100000", r.header("Content-Range"));
            }
        } finally {
            server.shutdown(Duration.ofSeconds(1));
        }
    }
}
