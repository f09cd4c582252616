package dev.zeroedge.transport;

import dev.zeroedge.http.FairFileSender;
import dev.zeroedge.mode.Mode;
import dev.zeroedge.server.ServerConfig;
import dev.zeroedge.server.ZeroedgeServer;
import dev.zeroedge.testing.LeakRecorder;
import dev.zeroedge.testing.Leftovers;
import dev.zeroedge.testing.MarkedSparseFile;
import dev.zeroedge.testing.OpenDescriptors;
import dev.zeroedge.testing.OutboundTap;
import dev.zeroedge.testing.RawHttp;
import dev.zeroedge.testing.RawHttp.Response;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every mode's {@link FileSender} promises, through a real server on 127.0.0.1 and real files, with
 * exact bytes: a range leaves with nothing of the file before or after it, offsets past 4 GiB, a 1 GiB body
 * does not hold its event loop from the other connections, a small response is one segment, the zero-copy
 * modes keep the file bytes out of the JVM (and the baselines visibly do not), and a client that goes away
 * mid-body leaves no descriptor, pipe, mapping or buffer behind. Each transport module runs it with a
 * one-line subclass naming its {@link Transport} (the pattern of Netty's {@code SocketFileRegionTest}); the
 * transport is forced, so one that cannot run here fails the suite, it never skips.
 *
 * <p>Each test starts its own server with one event loop and no open-file cache (a descriptor of a served
 * file still open after its response can only be the sender's) and inline bodies off, so that every body,
 * however small, goes through the sender under test; the one-segment test turns them on where it says so.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class SenderContractSuite {

    private static final long MIB = 1024 * 1024;
    private static final long GIB = 1024 * MIB;
    private static final long FIVE_GIB = 5 * GIB;
    /** An odd slice, so slice edges fall inside ranges and pages, never on a boundary. */
    private static final long ODD_SLICE = 64 * 1024 + 7;
    private static final int PATTERN_SIZE = 300_000;
    private static final int OUT_OF_JVM_SIZE = 64 * (int) MIB;

    private Path root;
    private byte[] pattern;
    private byte[] small;
    private MarkedSparseFile five;
    private MarkedSparseFile gib;
    private String outOfJvmDigest;
    private ZeroedgeServer server;

    /** The transport under test. */
    protected abstract Transport transport();

    /** {@code dir}: one per subclass, which JUnit deletes after its last test. */
    @BeforeAll
    void makeFiles(@TempDir Path dir) throws Exception {
        transport().availability().ensureAvailable();
        root = dir;
        pattern = randomBytes(PATTERN_SIZE, 1);
        Files.write(root.resolve("pattern.bin"), pattern);
        small = randomBytes(1024, 2);
        Files.write(root.resolve("1k.bin"), small);
        Files.createFile(root.resolve("empty.bin"));
        Files.writeString(root.resolve("hello.txt"), "hello\n");
        five = MarkedSparseFile.create(root.resolve("five.bin"), FIVE_GIB, Map.of(
                0L, "start",
                2 * GIB - 5, "across-2-GiB",
                2 * GIB + 4093, "past-2-GiB-unaligned",
                4 * GIB - 7, "across-4-GiB",
                4 * GIB + 12345, "past-4-GiB",
                4 * GIB + 2 * MIB - 3, "across-a-slice-past-4-GiB",
                FIVE_GIB - 10, "end-of-5"));
        Map<Long, String> gibMarkers = new TreeMap<>();
        for (long slice = 1; slice <= 8; slice++) {
            gibMarkers.put(slice * FairFileSender.DEFAULT_MAX_SLICE - 3, "slice-edge-" + slice);
        }
        gibMarkers.put(0L, "start");
        gibMarkers.put(GIB / 2 + 1, "middle");
        gibMarkers.put(GIB - 8, "the-end!");
        gib = MarkedSparseFile.create(root.resolve("gib.bin"), GIB, gibMarkers);
        outOfJvmDigest = writeRandomFile(root.resolve("64m.bin"), OUT_OF_JVM_SIZE);
    }

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.shutdown(Duration.ofSeconds(1));
            server = null;
        }
    }

    @AfterAll
    void nothingLeaked() throws Exception {
        assertTrue(LeakRecorder.installed(), "leak recorder not installed at PARANOID in this JVM");
        assertEquals(List.of(), LeakRecorder.collect(), "Netty buffers leaked");
    }

    private ZeroedgeServer start(UnaryOperator<ServerConfig> tweak) throws IOException {
        return start(transport(), tweak);
    }

    private ZeroedgeServer start(Transport transport, UnaryOperator<ServerConfig> tweak) throws IOException {
        ServerConfig config = ServerConfig.of(root, new InetSocketAddress("127.0.0.1", 0)).withEventLoops(1)
                .withOpenFileCache(0, Duration.ofSeconds(1)).withInlineBodyMax(0)
                .withGracePeriod(Duration.ofSeconds(1));
        server = ZeroedgeServer.start(tweak.apply(config), transport);
        return server;
    }

    // ---- 1. offsets: the range, exactly, and nothing of the file around it ----

    /**
     * Ranges in the middle of a file (unaligned, one byte, across pages and across the odd slices) pipelined
     * on one connection, with an empty file and a HEAD among them: each body is exactly its range, the next
     * head follows its last byte, and after the last body the server closes with nothing more. A sender that
     * sent a byte before its offset or past its end would shift every response after it. The whole file,
     * sliced, comes first.
     */
    @Test
    void aRangeInTheMiddleLeavesExactlyItsBytesAndNothingAroundThem() throws Exception {
        start(config -> config.withMaxSlice(ODD_SLICE));
        long[][] ranges = {
                {1001, 250_000},
                {0, 0},
                {1, 1},
                {4095, 4096},
                {PATTERN_SIZE - 1, PATTERN_SIZE - 1},
                {123_457, 123_457 + 2 * ODD_SLICE + 1},
                {ODD_SLICE - 1, ODD_SLICE},
        };
        StringBuilder requests = new StringBuilder("GET /pattern.bin HTTP/1.1\r\nHost: t\r\n\r\n");
        for (long[] range : ranges) {
            requests.append("GET /pattern.bin HTTP/1.1\r\nHost: t\r\nRange: bytes=")
                    .append(range[0]).append('-').append(range[1]).append("\r\n\r\n");
        }
        requests.append("GET /empty.bin HTTP/1.1\r\nHost: t\r\n\r\n");
        requests.append("HEAD /pattern.bin HTTP/1.1\r\nHost: t\r\n\r\n");
        requests.append("GET /pattern.bin HTTP/1.1\r\nHost: t\r\nRange: bytes=7-9\r\nConnection: close\r\n\r\n");
        long fileBytes = PATTERN_SIZE + 3;
        try (RawHttp client = new RawHttp(server.port())) {
            client.send(requests.toString());
            Response whole = client.read();
            assertEquals("HTTP/1.1 200 OK", whole.statusLine());
            assertArrayEquals(pattern, whole.body());
            for (long[] range : ranges) {
                Response r = client.read();
                assertEquals("HTTP/1.1 206 Partial Content", r.statusLine(), r.toString());
                assertEquals("bytes " + range[0] + "-" + range[1] + "/" + PATTERN_SIZE, r.header("Content-Range"));
                assertArrayEquals(Arrays.copyOfRange(pattern, (int) range[0], (int) range[1] + 1), r.body(),
                        "range " + range[0] + "-" + range[1]);
                fileBytes += range[1] - range[0] + 1;
            }
            assertEquals("0", client.read().header("Content-Length"));
            Response head = client.readHead();
            assertEquals("HTTP/1.1 200 OK", head.statusLine());
            assertEquals(Integer.toString(PATTERN_SIZE), head.header("Content-Length"));
            Response last = client.read();
            assertArrayEquals(Arrays.copyOfRange(pattern, 7, 10), last.body());
            assertEquals("close", last.header("Connection"));
            assertTrue(client.closedByServer(5_000), "nothing after the last body");
        }
        awaitValue(fileBytes, () -> server.counters().fileBytes());
        awaitValue(ranges.length + 4, () -> server.counters().responses());
        assertEquals("", Leftovers.awaitNone(root.resolve("pattern.bin"), 5_000));
    }

    /**
     * The parts of a multipart body: each part's bytes right after its own header block, which the sender
     * gets as the head of that part's range.
     */
    @Test
    void multipartPartsFollowTheirHeadersExactly() throws Exception {
        start(config -> config.withMaxSlice(ODD_SLICE));
        try (RawHttp client = new RawHttp(server.port())) {
            Response r = client.exchange("GET /pattern.bin HTTP/1.1\r\nHost: t\r\nRange: bytes=0-9,100000-199999\r\n\r\n");
            assertEquals("HTTP/1.1 206 Partial Content", r.statusLine());
            String type = r.header("Content-Type");
            assertTrue(type.startsWith("multipart/byteranges; boundary="), type);
            String boundary = type.substring(type.indexOf('=') + 1);
            byte[] expected = concat(
                    ascii("\r\n--" + boundary + "\r\nContent-Type: application/octet-stream\r\n"
                            + "Content-Range: bytes 0-9/" + PATTERN_SIZE + "\r\n\r\n"),
                    Arrays.copyOfRange(pattern, 0, 10),
                    ascii("\r\n--" + boundary + "\r\nContent-Type: application/octet-stream\r\n"
                            + "Content-Range: bytes 100000-199999/" + PATTERN_SIZE + "\r\n\r\n"),
                    Arrays.copyOfRange(pattern, 100_000, 200_000),
                    ascii("\r\n--" + boundary + "--\r\n"));
            assertArrayEquals(expected, r.body());
            assertEquals("hello\n", client.exchange("GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n").bodyText());
        }
        awaitValue(100_010 + 6, () -> server.counters().fileBytes());
    }

    // ---- 2. offsets past 4 GiB ----

    /**
     * Ranges of a sparse 5 GiB file across and past the 2 GiB (an {@code int}) and 4 GiB (a 32-bit offset)
     * boundaries, every byte checked against the markers; one range spans three slices past 4 GiB.
     */
    @Test
    void rangesPastTwoAndFourGibibytesArriveByteForByte() throws Exception {
        start(config -> config);
        long[][] ranges = {
                {2 * GIB - 100, 2 * GIB + 100},
                {2 * GIB + 4000, 2 * GIB + 4200},
                {4 * GIB - 4096 - 1, 4 * GIB + 64 * 1024},
                {4 * GIB + 12345, 4 * GIB + 12345 + 9},
                {4 * GIB, 4 * GIB + 5 * MIB - 1},
                {FIVE_GIB - 10, FIVE_GIB - 1},
        };
        try (RawHttp client = new RawHttp(server.port())) {
            for (long[] range : ranges) {
                client.send("GET /five.bin HTTP/1.1\r\nHost: t\r\nRange: bytes=" + range[0] + "-" + range[1] + "\r\n\r\n");
                Response head = client.readHead();
                assertEquals("HTTP/1.1 206 Partial Content", head.statusLine(), head.toString());
                assertEquals("bytes " + range[0] + "-" + range[1] + "/" + FIVE_GIB, head.header("Content-Range"));
                long length = range[1] - range[0] + 1;
                assertEquals(Long.toString(length), head.header("Content-Length"));
                five.assertBody(client.input(), range[0], length);
            }
            // In step after the last one: the next head starts right after the last body byte.
            assertEquals("hello\n", client.exchange("GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n").bodyText());
        }
    }

    // ---- 3. fairness ----

    /**
     * One event loop sends a 1 GiB body to a client that keeps reading (256 KiB, then a millisecond's pause,
     * so the loop always has more of it to send), and 100 small requests on another connection are all
     * answered while that body is still arriving. A sender that held its loop for the whole body would answer
     * them only after its last byte. Then the reader hurries, and the body turns out whole and exact, and the
     * connection in step.
     */
    @Test
    void smallRequestsAreAnsweredWhileAGibibyteBodyIsInFlightOnTheSameLoop() throws Exception {
        start(config -> config); // one event loop, as every server of the suite
        try (RawHttp big = new RawHttp(server.port()); RawHttp quick = new RawHttp(server.port())) {
            big.send("GET /gib.bin HTTP/1.1\r\nHost: t\r\n\r\n");
            Response head = big.readHead();
            assertEquals("HTTP/1.1 200 OK", head.statusLine());
            assertEquals(Long.toString(GIB), head.header("Content-Length"));
            PacedInput body = new PacedInput(big.input());
            CompletableFuture<Void> download = CompletableFuture.runAsync(() -> {
                try {
                    gib.assertBody(body, 0, GIB);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }, runnable -> Thread.ofPlatform().daemon().name("gib-reader").start(runnable));
            long started = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (body.read.get() < 4 * MIB && System.nanoTime() < started && !download.isDone()) {
                Thread.sleep(1);
            }
            assertTrue(body.read.get() >= 4 * MIB, "the body is under way: " + body.read.get());

            for (int i = 0; i < 100; i++) {
                Response r = quick.exchange("GET /1k.bin HTTP/1.1\r\nHost: t\r\n\r\n");
                assertEquals("HTTP/1.1 200 OK", r.statusLine(), "request " + i);
                assertArrayEquals(small, r.body(), "request " + i);
            }
            long readMeanwhile = body.read.get();
            assertTrue(readMeanwhile < GIB, "all 100 answered while the body was still arriving, at byte " + readMeanwhile);

            body.hurry = true;
            download.get(60, TimeUnit.SECONDS);
            assertEquals("hello\n", big.exchange("GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n").bodyText());
        }
        awaitValue(102, () -> server.counters().responses());
        awaitValue(GIB + 100 * 1024 + 6, () -> server.counters().fileBytes());
    }

    /** A reader on a link of a few hundred MB/s until told to hurry: 256 KiB per read, a millisecond between reads. */
    private static final class PacedInput extends FilterInputStream {
        final AtomicLong read = new AtomicLong();
        volatile boolean hurry;

        PacedInput(InputStream in) {
            super(in);
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (!hurry) {
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", e);
                }
            }
            int n = super.read(buffer, offset, hurry ? length : Math.min(length, 256 * 1024));
            if (n > 0) {
                read.addAndGet(n);
            }
            return n;
        }
    }

    // ---- 4. head and small body in one segment ----

    private static final int RESPONSES = 50;

    /**
     * With inline bodies on (the default), a 1 KiB response leaves as one TCP segment: head and body in one
     * write. Counted by the kernel, not by the pipeline (uring-splice may put a head into its pipe, where no
     * handler sees it): {@code data_segs_out} of the server's socket ({@code ss -ti}) after 50 keep-alive
     * responses. Segments with data only: a loaded machine may delay a response past the delayed-ACK timer,
     * and the pure ACK that then goes first says nothing about the response.
     */
    @Test
    void aSmallInlineBodyLeavesInOneSegmentWithItsHead() throws Exception {
        start(config -> config.withInlineBodyMax(FairFileSender.DEFAULT_INLINE_BODY_MAX));
        long segments = segmentsFor(RESPONSES);
        // One per response; a lone head would make it 2 per response.
        assertTrue(segments <= RESPONSES + 5, segments + " segments for " + RESPONSES + " responses");
    }

    /**
     * With inline bodies off, the sender itself has the head and the file: epoll-sendfile corks around its
     * two system calls, uring-splice splices the head from its pipe with the body, mmap and copy write both in
     * one writev, and so each keeps a 1 KiB response in one segment. nio-sendfile cannot: the JDK offers no
     * cork, so it writes the head and then transfers the file, two segments; the suite says so, and inline
     * bodies (above) are what keep that mode's small responses in one segment.
     */
    @Test
    void withoutInlineBodiesTheSenderStillJoinsHeadAndBody() throws Exception {
        start(config -> config);
        long segments = segmentsFor(RESPONSES);
        if (transport().mode() == Mode.NIO_SENDFILE) {
            assertTrue(segments >= 2 * RESPONSES - 5, segments + " segments for " + RESPONSES + " responses");
        } else {
            assertTrue(segments <= RESPONSES + 5, segments + " segments for " + RESPONSES + " responses");
        }
    }

    /** Segments with data the server's socket sent for {@code responses} keep-alive responses of the 1 KiB file. */
    private long segmentsFor(int responses) throws IOException, InterruptedException {
        try (RawHttp client = new RawHttp(server.port())) {
            for (int i = 0; i < responses; i++) {
                assertArrayEquals(small, client.exchange("GET /1k.bin HTTP/1.1\r\nHost: t\r\n\r\n").body());
            }
            Process ss = new ProcessBuilder("ss", "-tin",
                    "sport = :" + server.port() + " and dport = :" + client.socket().getLocalPort())
                    .redirectErrorStream(true).start();
            String out = new String(ss.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            ss.waitFor();
            Matcher segs = Pattern.compile("\\bdata_segs_out:(\\d+)").matcher(out);
            assertTrue(segs.find(), "no data_segs_out in: " + out);
            return Long.parseLong(segs.group(1));
        }
    }

    // ---- 5. file bytes out of the JVM ----

    /**
     * A 64 MiB download arrives exactly while, in the zero-copy modes, only the response head passed through
     * memory the JVM owns: through Netty's pipeline go the head as a buffer and the body as file regions
     * (sendfile, transferTo) or nothing at all (uring-splice splices file → pipe → socket beside the
     * pipeline), and neither the JVM's direct and mapped buffers, nor Netty's allocator, nor the event loop's
     * heap grow with the body. The baselines are measured the same way and are seen to pass every file byte
     * through buffers, which shows the measurement can tell the difference.
     */
    @Test
    void fileBytesStayOutOfTheJvmInTheZeroCopyModes() throws Exception {
        OutboundTap tap = new OutboundTap();
        start(tap.wrap(transport()), config -> config);
        Mode mode = transport().mode();
        try (RawHttp warm = new RawHttp(server.port())) {
            // Gives the tap its event loop thread and warms what the mode pools per loop.
            assertEquals("hello\n", warm.exchange("GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n").bodyText());
        }
        awaitValue(1, () -> server.counters().responses());
        long memoryBefore = tap.memoryBytes.get();
        long regionsBefore = tap.fileRegionBytes.get();
        long fileBytesBefore = server.counters().fileBytes();
        long loopBefore = tap.loopAllocatedBytes();

        Download download = download(server.port());
        assertEquals(outOfJvmDigest, download.digest(), "the body's SHA-256");
        awaitValue(2, () -> server.counters().responses());
        assertEquals(OUT_OF_JVM_SIZE, server.counters().fileBytes() - fileBytesBefore);
        long inMemory = tap.memoryBytes.get() - memoryBefore;
        long inRegions = tap.fileRegionBytes.get() - regionsBefore;
        long loopHeap = tap.loopAllocatedBytes() - loopBefore;

        if (mode.zeroCopy()) {
            assertTrue(inMemory < 1024, "only the head in memory: " + inMemory + " bytes");
            long regions = mode == Mode.URING_SPLICE ? 0 : OUT_OF_JVM_SIZE;
            assertEquals(regions, inRegions, "file region bytes through the pipeline");
            assertTrue(loopHeap < 8 * MIB, "the event loop allocated " + loopHeap + " heap bytes for a 64 MiB body");
            assertTrue(download.peakDirectGrowth() < 8 * MIB,
                    "direct/mapped buffers grew by " + download.peakDirectGrowth());
            assertTrue(download.peakAllocatorGrowth() < 8 * MIB,
                    "Netty's allocator grew by " + download.peakAllocatorGrowth());
        } else {
            // The baselines: every file byte went through a buffer (read into one, or a mapping wrapped as one),
            // at most a slice of it at a time.
            assertEquals(0, inRegions);
            assertTrue(inMemory >= OUT_OF_JVM_SIZE, "every file byte in buffers: " + inMemory);
            assertTrue(tap.largestMemoryWrite.get() <= FairFileSender.DEFAULT_MAX_SLICE,
                    "bounded: " + tap.largestMemoryWrite.get() + " bytes in one write");
        }
    }

    /** What one download showed: the body's digest, and the most JVM memory that was in use beyond the start. */
    private record Download(String digest, long peakDirectGrowth, long peakAllocatorGrowth) {
    }

    private static Download download(int port) throws Exception {
        List<BufferPoolMXBean> pools = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class);
        ByteBufAllocatorMetricProvider allocator = (ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT;
        long directBefore = directAndMapped(pools);
        long allocatorBefore = allocator.metric().usedDirectMemory();
        long peakDirect = 0;
        long peakAllocator = 0;
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (RawHttp client = new RawHttp(port)) {
            client.send("GET /64m.bin HTTP/1.1\r\nHost: t\r\n\r\n");
            Response head = client.readHead();
            assertEquals("HTTP/1.1 200 OK", head.statusLine());
            assertEquals(Integer.toString(OUT_OF_JVM_SIZE), head.header("Content-Length"));
            InputStream in = client.input();
            byte[] buffer = new byte[256 * 1024];
            long left = OUT_OF_JVM_SIZE;
            while (left > 0) {
                int read = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                if (read < 0) {
                    throw new IOException("closed with " + left + " bytes to go");
                }
                sha.update(buffer, 0, read);
                left -= read;
                peakDirect = Math.max(peakDirect, directAndMapped(pools) - directBefore);
                peakAllocator = Math.max(peakAllocator, allocator.metric().usedDirectMemory() - allocatorBefore);
            }
        }
        return new Download(HexFormat.of().formatHex(sha.digest()), peakDirect, peakAllocator);
    }

    /** Direct and mapped buffer memory of this JVM (the pools "direct" and "mapped"). */
    private static long directAndMapped(List<BufferPoolMXBean> pools) {
        long used = 0;
        for (BufferPoolMXBean pool : pools) {
            used += pool.getMemoryUsed();
        }
        return used;
    }

    // ---- 6. aborted bodies leave nothing open ----

    /** How a client leaves in the middle of a body. */
    enum Departure {
        /** SO_LINGER 0 and close: a reset, the next write fails (EPIPE, ECONNRESET). */
        RESET,
        /** Half-close: the server reads the end of the stream while it is still sending, and closes itself. */
        HALF_CLOSE
    }

    /**
     * A client reads 100 KB of the 1 GiB body and leaves. While the body is in flight the server holds the
     * file (and in epoll-mmap a mapping of the slice; no other mode maps it); afterwards no descriptor of the
     * file, no pipe or other descriptor beyond what the server held before, no mapping and no buffer is left,
     * the response is not counted as sent, and the server still answers.
     */
    @ParameterizedTest
    @EnumSource(Departure.class)
    void aClientLeavingMidBodyLeavesNothingOpen(Departure departure) throws Exception {
        start(config -> config);
        Path file = gib.path();
        // One whole response first, so that what the mode keeps per loop (uring-splice: pooled pipes) is in
        // the baseline; the server closes that connection itself.
        try (RawHttp warm = new RawHttp(server.port())) {
            assertEquals("hello\n", warm.exchange("GET /hello.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
                    .bodyText());
            assertTrue(warm.closedByServer(5_000));
        }
        awaitValue(1, () -> server.counters().responses());
        int baseline = OpenDescriptors.count();
        try (RawHttp client = new RawHttp(server.port())) {
            client.send("GET /gib.bin HTTP/1.1\r\nHost: t\r\n\r\n");
            assertEquals("HTTP/1.1 200 OK", client.readHead().statusLine());
            gib.assertBody(client.input(), 0, 100_000);
            assertTrue(Leftovers.descriptors(file) > 0, "the body is still on its way");
            boolean maps = transport().mode() == Mode.EPOLL_MMAP;
            assertEquals(maps, Leftovers.mappings(file) > 0, "a mapping of the file in flight");
            switch (departure) {
                case RESET -> client.socket().setSoLinger(true, 0);
                case HALF_CLOSE -> {
                    client.socket().shutdownOutput();
                    assertEquals("", Leftovers.awaitNone(file, 10_000), "let go of on the client's FIN");
                }
            }
        }
        assertEquals("", Leftovers.awaitNone(file, 10_000));
        assertEquals(1, server.counters().responses(), "the abandoned body is not counted as a response");
        // The same whole response again: it puts back what the mode keeps per loop (a pipe the aborted body
        // borrowed from the pool and should have closed), so any descriptor beyond the baseline is a leak.
        try (RawHttp next = new RawHttp(server.port())) {
            assertEquals("hello\n", next.exchange("GET /hello.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
                    .bodyText());
            assertTrue(next.closedByServer(5_000));
        }
        int after = OpenDescriptors.awaitAtMost(baseline, 10_000);
        assertTrue(after <= baseline, "descriptors back to " + baseline + ", but " + after + " are open");
        assertEquals(List.of(), LeakRecorder.collect(), "Netty buffers leaked");
    }

    // ---- helpers ----

    private static void awaitValue(long expected, LongSupplier actual) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (actual.getAsLong() != expected && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(expected, actual.getAsLong());
    }

    private static byte[] randomBytes(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /** Writes {@code size} random bytes to {@code file}; returns their SHA-256 in hex. */
    private static String writeRandomFile(Path file, int size) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        byte[] block = new byte[(int) MIB];
        Random random = new Random(size);
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int written = 0; written < size; written += block.length) {
                random.nextBytes(block);
                sha.update(block);
                out.write(block);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
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
