package dev.zeroedge.http;

import dev.zeroedge.server.ServerConfig;
import dev.zeroedge.server.ZeroedgeServer;
import dev.zeroedge.testing.LeakRecorder;
import dev.zeroedge.testing.Leftovers;
import dev.zeroedge.testing.RawHttp;
import dev.zeroedge.testing.RawHttp.Response;
import dev.zeroedge.testing.SlowFileSystem;
import dev.zeroedge.transport.Transport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A slow disk under part of the document root must not slow down the rest of it: no file-system call runs
 * on an event loop. Each transport module runs this with a one-line subclass.
 *
 * <p>The root holds a hot 1 KiB file on the normal disk and a subdirectory {@code slow/} on
 * {@link SlowFileSystem}, where every {@code open}, {@code getattr} and {@code read} sleeps {@link #DELAY}
 * (a failing disk, an overloaded NFS server). {@link #COLD} connections each fetch a distinct 1 MiB file from
 * {@code slow/} (distinct, so no fetch can ride on another's open, stat or page cache) while one client asks
 * for the hot file again and again on one keep-alive connection. The server has its defaults except one
 * event loop, forced so that every cold connection shares the hot connection's loop: with the default (one
 * per CPU) only some of them would, chosen by the accept order, and the test would prove less.
 *
 * <p>What is asserted: every hot response is exact and came while cold fetches were still under way, no hot
 * request took as long as one injected delay, every cold fetch ends either with its exact bytes or with a
 * clean {@code 503} and {@code Retry-After} (a bounded file-system pool may shed load; both are counted and
 * at least one cold file must really be served), and afterwards nothing is left open and no buffer leaked.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class SlowDiskSuite {

    /**
     * The issue's figure is taken at 200 ms per operation (scripts/bench-slow-disk.sh); the test injects 300
     * ms so that its bound, one delay, stands clearer of what a loaded 2-CPU machine does to any thread, and
     * the cold fetches still end within a minute.
     */
    static final Duration DELAY = Duration.ofMillis(300);
    static final int COLD = 32;
    /**
     * One body slice (FairFileSender's 2 MiB) and eight FUSE reads of 128 KiB: the issue's figure uses 2 MiB files
     * (the bench script); the test's smaller ones go through the same paths in about 60 % of the time.
     */
    static final int COLD_SIZE = 1024 * 1024;
    static final int HOT_SIZE = 1024;
    /** How long the cold fetches may take in all: about 12 delays per file (stats, open, 8 reads of 128 KiB). */
    static final Duration COLD_DEADLINE = Duration.ofSeconds(60);
    /** A hot request not answered in this long counts as lost (the loop is stuck), and the run stops. */
    static final int HOT_READ_TIMEOUT_MILLIS = 5_000;

    private Path base;
    private Path root;
    private Path source;
    private byte[] hot;
    private SlowFileSystem slow;
    private ZeroedgeServer server;
    private List<String> baselineTargets;

    /** The transport under test. */
    protected abstract Transport transport();

    @BeforeAll
    @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void mountAndStart() throws Exception {
        Transport transport = transport();
        transport.availability().ensureAvailable();
        base = Files.createTempDirectory("zeroedge-slowdisk");
        root = Files.createDirectory(base.resolve("root"));
        source = Files.createDirectory(base.resolve("slow-source"));
        hot = pattern(HOT_SIZE, 1_000);
        Files.write(root.resolve("hot-1k.bin"), hot);
        for (int i = 0; i < COLD; i++) {
            Files.write(source.resolve(coldName(i)), pattern(COLD_SIZE, i));
        }
        // A server started and stopped once first: the first start in a JVM leaves one connected unix socket
        // open for good (the JDK's or the C library's, once per process), which is no leak of the server.
        ZeroedgeServer.start(ServerConfig.of(root, new InetSocketAddress("127.0.0.1", 0)), transport)
                .shutdown(Duration.ofSeconds(1));
        baselineTargets = descriptorTargets();
        slow = SlowFileSystem.mount(source, Files.createDirectory(root.resolve("slow")), DELAY,
                Set.of("open", "getattr", "read"));
        ServerConfig config = ServerConfig.of(root, new InetSocketAddress("127.0.0.1", 0)).withEventLoops(1)
                .withGracePeriod(Duration.ofSeconds(1));
        server = ZeroedgeServer.start(config, transport);
    }

    /**
     * The file system goes first: on a server whose loop is stuck in it, unmounting (and, after 5 s, killing
     * slowfs) makes every pending operation fail at once, so the server can stop; a clean unmount is asserted.
     */
    @AfterAll
    @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void unmountAndStop() throws Exception {
        try {
            if (slow != null) {
                slow.close();
                try (Stream<Path> left = Files.list(root.resolve("slow"))) {
                    assertFalse(left.findAny().isPresent(), "slow/ unmounted: the mount point is empty again");
                }
            }
        } finally {
            if (server != null) {
                server.shutdown(Duration.ofSeconds(1));
            }
        }
        List<String> added = descriptorsAddedSince(baselineTargets, 5_000);
        try (Stream<Path> walk = Files.walk(base)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
        assertEquals(List.of(), added, "descriptors opened since the start and still open after the server stopped");
        assertTrue(LeakRecorder.installed(), "leak recorder not installed at PARANOID in this JVM");
        assertEquals(List.of(), LeakRecorder.collect(), "Netty buffers leaked");
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aHotFileIsServedAtOnceWhileThirtyTwoConnectionsFetchColdFilesFromASlowDisk() throws Exception {
        try (RawHttp warm = new RawHttp(server.port())) {
            assertExactHot(warm.exchange(hotRequest()));
        }
        long start = System.nanoTime();
        long coldDeadline = start + COLD_DEADLINE.toNanos();
        List<ColdFetch> cold = new ArrayList<>();
        CountDownLatch asked = new CountDownLatch(COLD);
        AtomicInteger coldLeft = new AtomicInteger(COLD);
        for (int i = 0; i < COLD; i++) {
            cold.add(new ColdFetch(i, asked, coldLeft));
        }
        cold.forEach(ColdFetch::start);
        assertTrue(asked.await(10, TimeUnit.SECONDS), "the cold requests were sent");

        // The hot client asks again as soon as it has an answer, for as long as any cold fetch is under way.
        List<Long> hotNanos = new ArrayList<>();
        List<Long> hotWaits = new ArrayList<>();
        PauseMeter pauses = PauseMeter.start();
        List<String> hotWrong = new ArrayList<>();
        String hotLost = null;
        List<Long> hotArrivals = new ArrayList<>();
        try (RawHttp http = new RawHttp(server.port())) {
            http.socket().setSoTimeout(HOT_READ_TIMEOUT_MILLIS);
            while (coldLeft.get() > 0 && System.nanoTime() < coldDeadline) {
                long sent = System.nanoTime();
                Response r;
                try {
                    r = http.exchange(hotRequest());
                } catch (SocketTimeoutException e) {
                    hotLost = "hot request " + (hotNanos.size() + 1) + " not answered within "
                            + HOT_READ_TIMEOUT_MILLIS + " ms, " + seconds(System.nanoTime() - start) + " s into the run";
                    break;
                }
                long arrived = System.nanoTime();
                hotArrivals.add(arrived);
                hotNanos.add(arrived - sent);
                hotWaits.add(arrived - sent - pauses.pausedWithin(sent, arrived));
                if (r.status() != 200 || !Arrays.equals(hot, r.body())) {
                    hotWrong.add(r.toString());
                }
            }
        }
        pauses.stop();
        // A stuck loop stays stuck: stop the cold fetches now rather than waiting them out.
        long waitUntil = hotLost == null ? coldDeadline : System.nanoTime();
        for (ColdFetch fetch : cold) {
            fetch.finishBy(waitUntil);
        }
        long coldEnd = cold.stream().mapToLong(f -> f.doneAt).max().orElse(0);
        long hotDuringCold = hotArrivals.stream().filter(t -> t <= coldEnd).count();

        String report = report(hotNanos, hotWaits, pauses, hotWrong, hotLost, cold, start);
        assertEquals(null, hotLost, report);
        assertEquals(List.of(), hotWrong, report);
        // The hot client asks only while a cold fetch is under way, so all its answers but the last came
        // while one was; and there must be some.
        assertTrue(hotDuringCold >= 1 && hotDuringCold >= hotArrivals.size() - 1, hotDuringCold + " of "
                + hotArrivals.size() + " hot responses came while cold fetches were under way; " + report);
        // The bound. The hot request touches nothing on the slow file system (its name, file and bytes are
        // on the normal disk and cached), and on this machine it takes well under a millisecond; DELAY is
        // what the slow file system makes ONE of its operations cost. So a hot request that waited as long can
        // only have waited for an operation on slow/. Conversely, a loop that runs a cold request's file-system
        // calls itself is blocked for several delays in one piece (its lookup alone stats slow/, the cold file
        // and the file again), and the hot client's next request follows its previous answer at once, so one
        // of them lands early in such a block and waits at least one whole delay. What is not the server's
        // wait is taken out: a pause of this whole JVM (a collection, a safepoint, the machine's other work
        // holding both CPUs), which a thread that only sleeps 1 ms at a time sees as well (PauseMeter). Why:
        // with the cold files on a second server of 32 loops, so that no hot request could wait for the disk,
        // raw hot latencies of up to 240 ms were measured here (2 CPUs at load 10-12, collections of up to
        // 96 ms); in the two such runs with the meter, the worst less the pauses it saw was 94 ms. The hot
        // name is checked again every --open-file-cache-valid (1 s): that check is on the normal disk too, and
        // must not queue behind cold work either (a file-system pool shared by both would make it wait).
        long slowest = hotWaits.stream().mapToLong(Long::longValue).max().orElse(0);
        assertTrue(slowest < DELAY.toNanos(), "a hot request waited " + millis(slowest) + " ms (JVM pauses"
                + " taken out), as long as an injected delay of " + DELAY.toMillis() + " ms: it waited for the slow"
                + " disk; " + report);
        long served = cold.stream().filter(f -> f.outcome == Outcome.EXACT).count();
        long shed = cold.stream().filter(f -> f.outcome == Outcome.SHED).count();
        assertEquals(COLD, served + shed, "every cold fetch ends with its exact bytes or a clean 503; " + report);
        assertTrue(served >= 1, "at least one cold file is really served; " + report);
        // epoll-mmap unmaps a range one task after its write: give the last ones a moment.
        long mappedUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        for (ColdFetch fetch : cold) {
            Path file = root.resolve("slow").resolve(coldName(fetch.index));
            while (Leftovers.mappings(file) > 0 && System.nanoTime() < mappedUntil) {
                Thread.sleep(20);
            }
            assertEquals(0, Leftovers.mappings(file), "no mapping of " + file.getFileName() + " left after its response");
        }
    }

    /**
     * The descriptors open now that were not at the start (as a multiset of what they name), waiting up to
     * {@code millis} for them to go. Unix-domain sockets are left out: zeroedge makes none, and the JDK or
     * the C library of this process opens one now and then for its own ends (one after the first server start
     * of a JVM, and one more in some runs of epoll-copy, seen after the server had stopped).
     */
    private static List<String> descriptorsAddedSince(List<String> baseline, long millis)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (true) {
            List<String> added = new ArrayList<>(descriptorTargets());
            baseline.forEach(added::remove);
            added.removeIf(t -> t.contains(" unix: "));
            if (added.isEmpty() || System.nanoTime() > deadline) {
                return added;
            }
            Thread.sleep(20);
        }
    }

    /** What each open descriptor of this JVM names (a file, {@code socket:[...]}, {@code pipe:[...]}, ...). */
    private static List<String> descriptorTargets() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.map(fd -> {
                try {
                    return describe(Files.readSymbolicLink(fd).toString());
                } catch (IOException closed) {
                    return "";
                }
            }).filter(t -> !t.isEmpty()).sorted().toList();
        }
    }

    /** A socket named with its line of /proc/self/net/* (TCP: ports in hex, state), so a leak says whose it is. */
    private static String describe(String target) throws IOException {
        if (!target.startsWith("socket:[")) {
            return target;
        }
        String inode = target.substring(8, target.length() - 1);
        for (String table : List.of("/proc/self/net/tcp", "/proc/self/net/tcp6", "/proc/self/net/udp", "/proc/self/net/udp6", "/proc/self/net/unix", "/proc/self/net/netlink", "/proc/self/net/raw")) {
            for (String line : Files.readAllLines(Path.of(table))) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 6 && Arrays.asList(f).subList(6, f.length).contains(inode)) {
                    return target + " " + Path.of(table).getFileName() + ": " + String.join(" ", f);
                }
            }
        }
        return target;
    }

    private static String hotRequest() {
        return "GET /hot-1k.bin HTTP/1.1\r\nHost: edge\r\n\r\n";
    }

    private void assertExactHot(Response r) {
        assertEquals("HTTP/1.1 200 OK", r.statusLine());
        assertEquals(Integer.toString(HOT_SIZE), r.header("Content-Length"));
        assertTrue(Arrays.equals(hot, r.body()), "hot bytes");
    }

    static String coldName(int i) {
        return String.format("cold-%02d.bin", i);
    }

    /** Bytes that differ per file and per position, so a body from another file or offset cannot pass. */
    static byte[] pattern(int length, int seed) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (i * 31 + i / 4093 + seed * 131);
        }
        return bytes;
    }

    private String report(List<Long> hotNanos, List<Long> hotWaits, PauseMeter pauses, List<String> hotWrong, String hotLost, List<ColdFetch> cold,
                          long start) {
        long[] sorted = hotNanos.stream().mapToLong(Long::longValue).sorted().toArray();
        StringBuilder sb = new StringBuilder("mode ").append(server.mode()).append(": hot ").append(sorted.length)
                .append(" answered");
        if (sorted.length > 0) {
            sb.append(" (p50 ").append(millis(sorted[sorted.length / 2])).append(" ms, p99 ")
                    .append(millis(sorted[Math.min(sorted.length - 1, (int) (sorted.length * 0.99))]))
                    .append(" ms, max ").append(millis(sorted[sorted.length - 1])).append(" ms, ")
                    .append(Arrays.stream(sorted).filter(n -> n >= DELAY.toNanos()).count())
                    .append(" at or over ").append(DELAY.toMillis()).append(" ms, ")
                    .append(Arrays.stream(sorted).filter(n -> n >= DELAY.toNanos() / 4).count()).append(" over ")
                    .append(DELAY.toMillis() / 4).append(" ms; less JVM pauses: max ")
                    .append(millis(hotWaits.stream().mapToLong(Long::longValue).max().orElse(0)))
                    .append(" ms; JVM paused ").append(pauses.summary()).append(")");
        }
        if (!hotWrong.isEmpty()) {
            sb.append(", ").append(hotWrong.size()).append(" wrong: ").append(hotWrong.getFirst());
        }
        if (hotLost != null) {
            sb.append(", ").append(hotLost);
        }
        sb.append("; cold:");
        for (Outcome o : Outcome.values()) {
            long n = cold.stream().filter(f -> f.outcome == o).count();
            if (n > 0) {
                sb.append(' ').append(n).append(' ').append(o.name().toLowerCase());
            }
        }
        long lastCold = cold.stream().filter(f -> f.outcome == Outcome.EXACT).mapToLong(f -> f.doneAt).max().orElse(0);
        if (lastCold > 0) {
            sb.append(", last exact one after ").append(seconds(lastCold - start)).append(" s");
        }
        cold.stream().filter(f -> f.outcome != Outcome.EXACT && f.outcome != Outcome.SHED).findFirst()
                .ifPresent(f -> sb.append(", e.g. ").append(coldName(f.index)).append(": ").append(f.detail));
        return sb.toString();
    }

    private static String millis(long nanos) {
        return String.format("%.1f", nanos / 1e6);
    }

    private static String seconds(long nanos) {
        return String.format("%.1f", nanos / 1e9);
    }

    /**
     * Pauses of this whole JVM, as jHiccup measures them: a thread that sleeps 1 ms at a time notes each
     * wake-up that came more than {@link #NOTED} late. A collection or a safepoint stops it with every other
     * Java thread, and a machine whose CPUs are busy elsewhere delays it as it delays an event loop; a loop
     * blocked in a system call does not stop it.
     */
    static final class PauseMeter {
        static final long NOTED = TimeUnit.MILLISECONDS.toNanos(5);
        private final List<long[]> pauses = new java.util.concurrent.CopyOnWriteArrayList<>();
        private final Thread thread;
        private volatile boolean running = true;

        private PauseMeter() {
            thread = Thread.ofPlatform().name("pause-meter").daemon().unstarted(this::measure);
            thread.setPriority(Thread.MAX_PRIORITY);
        }

        static PauseMeter start() {
            PauseMeter meter = new PauseMeter();
            meter.thread.start();
            return meter;
        }

        private void measure() {
            long expected = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1);
            while (running) {
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    return;
                }
                long now = System.nanoTime();
                if (now - expected > NOTED) {
                    pauses.add(new long[] {expected, now});
                }
                expected = now + TimeUnit.MILLISECONDS.toNanos(1);
            }
        }

        /** How long the JVM was paused between {@code from} and {@code to} (nanoTime). */
        long pausedWithin(long from, long to) {
            long paused = 0;
            for (long[] p : pauses) {
                paused += Math.max(0, Math.min(to, p[1]) - Math.max(from, p[0]));
            }
            return paused;
        }

        void stop() throws InterruptedException {
            running = false;
            thread.join();
        }

        String summary() {
            long total = pauses.stream().mapToLong(p -> p[1] - p[0]).sum();
            long longest = pauses.stream().mapToLong(p -> p[1] - p[0]).max().orElse(0);
            return pauses.size() + " times over " + NOTED / 1_000_000 + " ms, " + millis(total) + " ms in all, longest "
                    + millis(longest) + " ms";
        }
    }

    /** How a cold fetch ended. */
    enum Outcome { EXACT, SHED, WRONG, FAILED, UNFINISHED }

    /** One connection that fetches one cold file, on a thread of its own. */
    private final class ColdFetch {
        final int index;
        private final CountDownLatch asked;
        private final AtomicInteger left;
        private final Thread thread;
        private volatile RawHttp http;
        volatile Outcome outcome = Outcome.UNFINISHED;
        volatile String detail = "";
        volatile long doneAt;

        ColdFetch(int index, CountDownLatch asked, AtomicInteger left) {
            this.index = index;
            this.asked = asked;
            this.left = left;
            this.thread = Thread.ofPlatform().name("cold-" + index).daemon().unstarted(this::fetch);
        }

        void start() {
            thread.start();
        }

        private void fetch() {
            try (RawHttp connection = new RawHttp(server.port())) {
                http = connection;
                connection.socket().setSoTimeout((int) COLD_DEADLINE.toMillis());
                connection.send("GET /slow/" + coldName(index) + " HTTP/1.1\r\nHost: edge\r\nConnection: close\r\n\r\n");
                asked.countDown();
                Response r = connection.readHead();
                if (r.status() == 200 && Integer.toString(COLD_SIZE).equals(r.header("Content-Length"))) {
                    // Compared as it arrives, not kept: 32 bodies of 1 MiB would only make the collector work
                    // in the JVM that also runs the server.
                    long mismatch = firstDifference(connection.input(), index);
                    if (mismatch < 0) {
                        outcome = Outcome.EXACT;
                    } else {
                        outcome = Outcome.WRONG;
                        detail = r + ", body differs from byte " + mismatch + " on (or ends there)";
                    }
                } else if (r.status() == 503 && r.statusLine().equals("HTTP/1.1 503 Service Unavailable")
                        && r.header("Retry-After") != null) {
                    outcome = Outcome.SHED;
                } else {
                    outcome = Outcome.WRONG;
                    detail = r.toString();
                }
            } catch (IOException | RuntimeException e) {
                if (outcome == Outcome.UNFINISHED && http != null && http.socket().isClosed()) {
                    detail = "stopped by the test: " + e;
                } else {
                    outcome = Outcome.FAILED;
                    detail = e.toString();
                }
            } finally {
                asked.countDown();
                doneAt = System.nanoTime();
                left.decrementAndGet();
            }
        }

        /** Where the body read from {@code in} first differs from cold file {@code index}'s bytes, or -1. */
        private static long firstDifference(java.io.InputStream in, int index) throws IOException {
            byte[] expected = pattern(COLD_SIZE, index);
            byte[] buffer = new byte[64 * 1024];
            int at = 0;
            while (at < COLD_SIZE) {
                int n = in.read(buffer, 0, Math.min(buffer.length, COLD_SIZE - at));
                if (n < 0) {
                    return at;
                }
                if (!Arrays.equals(buffer, 0, n, expected, at, at + n)) {
                    return at + Arrays.mismatch(buffer, 0, n, expected, at, at + n);
                }
                at += n;
            }
            return -1;
        }

        /** Waits for the fetch until {@code deadline} (nanoTime); then closes its socket, so it ends unfinished. */
        void finishBy(long deadline) throws InterruptedException, IOException {
            long wait = deadline - System.nanoTime();
            if (wait > 0) {
                thread.join(Duration.ofNanos(wait));
            }
            if (thread.isAlive()) {
                RawHttp connection = http;
                if (connection != null) {
                    connection.socket().setSoLinger(true, 0);
                    connection.close();
                }
                thread.join(Duration.ofSeconds(5));
            }
        }
    }
}
