package dev.zeroedge.transport.epoll;

import dev.zeroedge.mode.Mode;
import dev.zeroedge.server.ZeroedgeServer;
import dev.zeroedge.testing.LeakRecorder;
import dev.zeroedge.testing.RawHttp;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A 64 MiB download in {@code epoll-sendfile}: the bytes arrive exactly, yet only the response head
 * passed through memory the JVM owns. The same measurement in {@code epoll-copy} sees every byte go
 * through buffers, which shows the measurement can tell the difference.
 */
class SendfileKeepsBytesOutOfJvmTest {

    private static final int SIZE = 64 * 1024 * 1024;
    private static final long MIB = 1024 * 1024;

    @TempDir
    static Path root;

    private static String fileDigest;

    private static void writeFile() throws Exception {
        if (fileDigest != null) {
            return;
        }
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        byte[] block = new byte[MIB_INT];
        Random random = new Random(64);
        try (OutputStream out = Files.newOutputStream(root.resolve("64m.bin"))) {
            for (int i = 0; i < SIZE / MIB_INT; i++) {
                random.nextBytes(block);
                sha.update(block);
                out.write(block);
            }
        }
        fileDigest = HexFormat.of().formatHex(sha.digest());
    }

    private static final int MIB_INT = (int) MIB;

    /** What one download showed: digest of the body, and the most direct memory in use while it ran. */
    private record Download(String digest, long peakDirectGrowth, long peakAllocatorGrowth) {
    }

    @AfterAll
    static void nothingLeaked() throws InterruptedException {
        assertTrue(LeakRecorder.installed(), "leak recorder not installed at PARANOID in this JVM");
        assertEquals(List.of(), LeakRecorder.collect(), "Netty buffers leaked");
    }

    @Test
    void sendfileHandsOnlyTheHeadToTheJvm() throws Exception {
        writeFile();
        OutboundTap tap = new OutboundTap();
        ZeroedgeServer server = EpollModes.start(tap.wrap(EpollModes.require(Mode.EPOLL_SENDFILE)), root,
                config -> config);
        try {
            Download download = download(server.port());
            assertEquals(fileDigest, download.digest());
            awaitResponses(server, 1);
            assertEquals(SIZE, server.counters().fileBytes());
            assertEquals(SIZE, tap.fileRegionBytes.get(), "every file byte left as a file region (sendfile)");
            assertTrue(tap.memoryBytes.get() < 1024, "only the head was in memory: " + tap.memoryBytes.get());
            assertTrue(tap.eventLoopHeapBytes() < 8 * MIB,
                    "event loop allocated " + tap.eventLoopHeapBytes() + " heap bytes for a 64 MiB body");
            assertTrue(download.peakDirectGrowth() < 8 * MIB,
                    "direct/mapped buffers grew by " + download.peakDirectGrowth());
            assertTrue(download.peakAllocatorGrowth() < 8 * MIB,
                    "Netty's allocator grew by " + download.peakAllocatorGrowth());
        } finally {
            server.shutdown(Duration.ofSeconds(1));
        }
    }

    @Test
    void copyBaselineIsSeenPassingEveryByteThroughBuffers() throws Exception {
        writeFile();
        OutboundTap tap = new OutboundTap();
        ZeroedgeServer server = EpollModes.start(tap.wrap(EpollModes.require(Mode.EPOLL_COPY)), root,
                config -> config);
        try {
            assertEquals(fileDigest, download(server.port()).digest());
            awaitResponses(server, 1);
            assertEquals(SIZE, server.counters().fileBytes());
            assertEquals(0, tap.fileRegionBytes.get());
            assertTrue(tap.memoryBytes.get() > SIZE, "head and every file byte in buffers: " + tap.memoryBytes.get());
            assertEquals(CopySender.CHUNK, tap.largestMemoryWrite.get(), "bounded: one chunk at a time");
        } finally {
            server.shutdown(Duration.ofSeconds(1));
        }
    }

    private static Download download(int port) throws Exception {
        List<BufferPoolMXBean> pools = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class);
        ByteBufAllocatorMetricProvider allocator = (ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT;
        long directBefore = directInUse(pools);
        long allocatorBefore = allocator.metric().usedDirectMemory();
        long peakDirect = 0;
        long peakAllocator = 0;
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (RawHttp client = new RawHttp(port)) {
            client.send("GET /64m.bin HTTP/1.1\r\nHost: t\r\n\r\n");
            RawHttp.Response head = client.readHead();
            assertEquals("HTTP/1.1 200 OK", head.statusLine());
            assertEquals(SIZE, Long.parseLong(head.header("Content-Length")));
            InputStream in = client.input();
            byte[] buffer = new byte[256 * 1024];
            long left = SIZE;
            while (left > 0) {
                int read = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                if (read < 0) {
                    throw new IOException("closed with " + left + " bytes to go");
                }
                sha.update(buffer, 0, read);
                left -= read;
                peakDirect = Math.max(peakDirect, directInUse(pools) - directBefore);
                peakAllocator = Math.max(peakAllocator, allocator.metric().usedDirectMemory() - allocatorBefore);
            }
        }
        return new Download(HexFormat.of().formatHex(sha.digest()), peakDirect, peakAllocator);
    }

    /** Direct and mapped buffer memory of this JVM (the pools "direct" and "mapped"). */
    private static long directInUse(List<BufferPoolMXBean> pools) {
        long used = 0;
        for (BufferPoolMXBean pool : pools) {
            used += pool.getMemoryUsed();
        }
        return used;
    }

    private static void awaitResponses(ZeroedgeServer server, long expected) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (server.counters().responses() < expected && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(expected, server.counters().responses());
    }
}
