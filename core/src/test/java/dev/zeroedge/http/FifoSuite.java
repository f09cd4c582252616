package dev.zeroedge.http;

import dev.zeroedge.server.ServerConfig;
import dev.zeroedge.server.ZeroedgeServer;
import dev.zeroedge.testing.LeakRecorder;
import dev.zeroedge.testing.Leftovers;
import dev.zeroedge.testing.RawHttp;
import dev.zeroedge.testing.RawHttp.Response;
import dev.zeroedge.transport.Transport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A FIFO in the document root is no file to serve: {@code 404} at once, and the event loop it came to goes
 * on serving everyone else. Opening a FIFO for reading blocks until a writer opens it, and in these tests no
 * writer ever does; so a server that opens one without {@code O_NONBLOCK} on its loop never answers that
 * request nor any other on the loop. Each transport module runs this with a one-line subclass.
 *
 * <p>One event loop (forced, so the FIFO request and the other connection's request are on the same loop)
 * and an open-file cache whose names are trusted for {@link #VALID} only, so a test can wait past it.
 *
 * <p>The bound. Every response here is read with a {@link #ANSWER_MILLIS} timeout. It does not measure
 * speed: a loop that opened the FIFO would wait forever, so any bound tells "answered" from "never"; it is
 * long so that a loaded machine cannot make it fail, and short enough for the build.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class FifoSuite {

    static final Duration VALID = Duration.ofMillis(100);
    static final int ANSWER_MILLIS = 2_000;
    static final String OK = "ok\n";
    static final String NOT_FOUND = "HTTP/1.1 404 Not Found | 404 Not Found\n";

    private Path base;
    private Path root;
    private ZeroedgeServer server;
    /** FIFOs a test made: after it, each is opened read-write once, which frees a loop stuck opening it. */
    private final List<Path> fifos = new ArrayList<>();
    private final List<ZeroedgeServer> extra = new ArrayList<>();

    /** The transport under test. */
    protected abstract Transport transport();

    @BeforeAll
    @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void startServer() throws IOException {
        Transport transport = transport();
        transport.availability().ensureAvailable();
        base = Files.createTempDirectory("zeroedge-fifo");
        root = Files.createDirectory(base.resolve("root"));
        Files.writeString(root.resolve("ok.txt"), OK);
        server = ZeroedgeServer.start(config(VALID), transport);
    }

    private ServerConfig config(Duration valid) {
        return ServerConfig.of(root, new InetSocketAddress("127.0.0.1", 0)).withEventLoops(1)
                .withOpenFileCache(64, valid).withGracePeriod(Duration.ofSeconds(1));
    }

    /**
     * A loop stuck in {@code open} of a FIFO returns from it when a writer appears: an {@code O_RDWR} open
     * (what RandomAccessFile "rw" does) never blocks on Linux and counts as one. Without this a failing test
     * would leave a server that cannot even stop.
     */
    @AfterEach
    @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void freeStuckLoops() throws Exception {
        for (Path fifo : fifos) {
            if (Files.exists(fifo)) {
                try (RandomAccessFile writer = new RandomAccessFile(fifo.toFile(), "rw")) {
                    Thread.sleep(100);
                }
            }
        }
        fifos.clear();
        for (ZeroedgeServer s : extra) {
            s.shutdown(Duration.ofSeconds(1));
        }
        extra.clear();
    }

    @AfterAll
    @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void stopServer() throws Exception {
        if (server != null) {
            server.shutdown(Duration.ofSeconds(1));
        }
        if (base != null) {
            try (Stream<Path> walk = Files.walk(base)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
        assertTrue(LeakRecorder.installed(), "leak recorder not installed at PARANOID in this JVM");
        assertEquals(List.of(), LeakRecorder.collect(), "Netty buffers leaked");
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aFifoMadeBeforeTheRequestIsNotFoundAtOnce() throws Exception {
        Path fifo = mkfifo(root.resolve("before.bin"));
        assertNotFoundAtOnceAndTheLoopServesOthers(server, "/before.bin", fifo);
    }

    /**
     * The path was a regular file, served and cached; a FIFO is renamed over it (atomically, as a deploy
     * would swap a file). Once the name's {@link #VALID} has passed, the server checks the path again.
     */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aFifoSwappedInAfterTheFileWasCachedIsNotFoundAtOnce() throws Exception {
        Path file = root.resolve("swapped.bin");
        Files.writeString(file, "regular\n");
        assertEquals("regular\n", get(server, "/swapped.bin").bodyText());
        Path next = mkfifo(root.resolve("swapped.next"));
        Files.move(next, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        fifos.add(file);
        Thread.sleep(VALID.toMillis() * 3);
        // Past its validity the name is rechecked behind the file it names, which serves meanwhile (its small
        // body is held: the old bytes, under their own validators); the recheck finds the FIFO and the name
        // answers 404 from then on. Neither answer may wait for the FIFO.
        assertAnsweredAtOnceAndTheLoopServesOthers(server, "/swapped.bin", file,
                List.of(NOT_FOUND, "HTTP/1.1 200 OK | regular\n"));
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (get(server, "/swapped.bin").status() != 404 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertNotFoundAtOnceAndTheLoopServesOthers(server, "/swapped.bin", file);
    }

    /**
     * The same swap while the cached name is still trusted, before any response had sent the file: a
     * conditional GET ({@code If-None-Match: *}, answered 304) caches the name; then the FIFO replaces the
     * file and a plain GET comes within the name's validity. Two answers are right. A server that opened (and
     * held) the regular file when it looked the name up still has it, and may serve its old bytes under its
     * old validators for the rest of the validity, as the open-file cache does for any file replaced by a
     * rename. A server that has no descriptor yet must open the path now, and that open must not block
     * (O_NONBLOCK, then fstat: not a regular file, 404). A server that opened the path blocking on its loop
     * (as main before the content seam did) answers neither this request nor the other connection's.
     */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aFifoSwappedInWhileTheCachedNameIsTrustedIsAnsweredAtOnce() throws Exception {
        ZeroedgeServer trusting = ZeroedgeServer.start(config(Duration.ofMinutes(1)), transport());
        extra.add(trusting);
        Path file = root.resolve("trusted.bin");
        Files.writeString(file, "regular\n");
        try (RawHttp http = new RawHttp(trusting.port())) {
            Response r = http.exchange("GET /trusted.bin HTTP/1.1\r\nHost: edge\r\nIf-None-Match: *\r\n\r\n");
            assertEquals("HTTP/1.1 304 Not Modified", r.statusLine());
        }
        Path next = mkfifo(root.resolve("trusted.next"));
        Files.move(next, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        fifos.add(file);
        assertAnsweredAtOnceAndTheLoopServesOthers(trusting, "/trusted.bin", file,
                List.of(NOT_FOUND, "HTTP/1.1 200 OK | regular\n"));
    }

    private void assertNotFoundAtOnceAndTheLoopServesOthers(ZeroedgeServer s, String target, Path fifo)
            throws Exception {
        assertAnsweredAtOnceAndTheLoopServesOthers(s, target, fifo, List.of(NOT_FOUND));
    }

    /**
     * Asks for {@code target} (a FIFO) on one connection and, right after, for {@code ok.txt} on another
     * connection of the same loop (connected and served once before, so it is that loop's); both answers
     * must come within {@link #ANSWER_MILLIS}, the FIFO's must be one of {@code allowed} (status line | body),
     * and the server must hold no descriptor of the FIFO afterwards.
     */
    private void assertAnsweredAtOnceAndTheLoopServesOthers(ZeroedgeServer s, String target, Path fifo,
                                                           List<String> allowed) throws Exception {
        try (RawHttp other = new RawHttp(s.port()); RawHttp asking = new RawHttp(s.port())) {
            // This first answer is no part of the claim (RawHttp's own 10 s timeout): a fresh server's first
            // request may be slow on a loaded machine.
            assertEquals(OK, other.exchange("GET /ok.txt HTTP/1.1\r\nHost: edge\r\n\r\n").bodyText());
            other.socket().setSoTimeout(ANSWER_MILLIS);
            asking.socket().setSoTimeout(ANSWER_MILLIS);
            asking.send("GET " + target + " HTTP/1.1\r\nHost: edge\r\n\r\n");
            // A moment for the FIFO request to reach the loop first: the other one then comes while it is there.
            Thread.sleep(100);
            other.send("GET /ok.txt HTTP/1.1\r\nHost: edge\r\n\r\n");
            String otherAnswer = answer(other);
            String fifoAnswer = answer(asking);
            // One message for both, so a failure shows what each connection got.
            String both = "GET " + target + " (a FIFO): " + fifoAnswer + "; GET /ok.txt on another connection of"
                    + " the loop right after it: " + otherAnswer;
            assertEquals("HTTP/1.1 200 OK | " + OK, otherAnswer, both);
            assertTrue(allowed.contains(fifoAnswer), "the FIFO's answer is one of " + allowed + "; " + both);
        }
        assertEquals("", Leftovers.awaitNone(fifo, 2_000), "the server holds nothing of the FIFO");
    }

    /** The status line and body of the next response, or what happened instead, for one assertion message. */
    private static String answer(RawHttp http) {
        long start = System.nanoTime();
        try {
            Response r = http.read();
            return r.statusLine() + " | " + r.bodyText();
        } catch (IOException e) {
            return "no answer after " + (System.nanoTime() - start) / 1_000_000 + " ms: " + e;
        }
    }

    private static Response get(ZeroedgeServer s, String target) throws IOException {
        try (RawHttp http = new RawHttp(s.port())) {
            http.socket().setSoTimeout(ANSWER_MILLIS);
            return http.exchange("GET " + target + " HTTP/1.1\r\nHost: edge\r\nConnection: close\r\n\r\n");
        }
    }

    private Path mkfifo(Path path) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("mkfifo", path.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        assertEquals(0, p.waitFor(), "mkfifo " + path + ": " + out);
        fifos.add(path);
        return path;
    }
}
