package dev.zeroedge.launcher;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code kill -9} of an edge-cache JVM in the middle of fills: the restarted server serves every committed object
 * without an origin (there is none any more), byte for byte, never a partial one, and finds no temporary file
 * left.
 */
class CacheCrashTest {

    private static final int SIZE = 300_000;
    private static final int DONE = 5;
    private static final int STALLED = 3;

    private final List<AutoCloseable> open = new ArrayList<>();
    private Path work;

    @AfterEach
    void cleanUp() throws Exception {
        for (AutoCloseable c : open.reversed()) {
            c.close();
        }
        if (work != null) {
            try (Stream<Path> walk = Files.walk(work)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static byte[] body(String name) {
        byte[] b = new byte[SIZE];
        int seed = name.hashCode();
        for (int i = 0; i < SIZE; i++) {
            b[i] = (byte) (i * 31 + seed + i / 253);
        }
        return b;
    }

    /** How the origin answers one connection. */
    private interface Answering {
        void answer(Socket socket, CountDownLatch end);
    }

    /** /done-N whole; /stall-N a head and half its body, then nothing until the test ends. */
    private ServerSocket origin(CountDownLatch end) throws IOException {
        return origin(end, CacheCrashTest::answer);
    }

    private ServerSocket origin(CountDownLatch end, Answering answering) throws IOException {
        ServerSocket listener = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
        open.add(listener);
        Thread.ofVirtual().start(() -> {
            while (!listener.isClosed()) {
                try {
                    Socket socket = listener.accept();
                    open.add(socket);
                    Thread.ofVirtual().start(() -> answering.answer(socket, end));
                } catch (IOException e) {
                    return;
                }
            }
        });
        return listener;
    }

    private static void answer(Socket socket, CountDownLatch end) {
        try (socket) {
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            while (true) {
                String head = head(in);
                if (head == null) {
                    return;
                }
                String path = head.substring(4, head.indexOf(' ', 4));
                byte[] body = body(path);
                out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + SIZE + "\r\nCache-Control: max-age=3600\r\n"
                        + "Content-Type: video/mp4\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                if (path.startsWith("/stall-")) {
                    out.write(body, 0, SIZE / 2);
                    out.flush();
                    end.await(60, TimeUnit.SECONDS);
                    return;
                }
                out.write(body);
                out.flush();
            }
        } catch (IOException | InterruptedException e) {
            // the cache went away
        }
    }

    private static String head(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                return null;
            }
            head.write(b);
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    /** A client connection: GET, then the head's status and fields, then as many body bytes as asked for. */
    private static final class Client implements AutoCloseable {
        final Socket socket = new Socket();
        final InputStream in;
        final List<String> fields = new ArrayList<>();
        final String status;

        Client(int port, String path, String... requestFields) throws IOException {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: edge.test\r\n"
                    + String.join("", java.util.Arrays.stream(requestFields).map(f -> f + "\r\n").toList()) + "\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            in = socket.getInputStream();
            String[] lines = head(in).split("\r\n");
            status = lines[0];
            for (int i = 1; i < lines.length; i++) {
                fields.add(lines[i].toLowerCase(Locale.ROOT));
            }
        }

        boolean has(String field) {
            return fields.contains(field.toLowerCase(Locale.ROOT));
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /**
     * Committed files of {@code suffix} under {@code dir} (not in tmp/). Commits rename files out of tmp/ while the
     * walk goes: an entry that vanished under it makes the walk start again.
     */
    private static long files(Path dir, String suffix) throws IOException {
        while (true) {
            try (Stream<Path> walk = Files.walk(dir)) {
                return walk.filter(p -> !p.startsWith(dir.resolve("tmp"))).filter(Files::isRegularFile)
                        .filter(p -> p.toString().endsWith(suffix)).count();
            } catch (java.io.UncheckedIOException vanished) {
                // walked into an entry a commit had just renamed away
            }
        }
    }

    private static long temporary(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir.resolve("tmp"))) {
            return files.count();
        }
    }

    @Test
    void aRestartAfterKillNineServesEveryCommittedObjectAndNoPartialOne() throws Exception {
        work = Files.createTempDirectory("zeroedge-cache-crash");
        Path cacheDir = work.resolve("cache");
        CountDownLatch end = new CountDownLatch(1);
        open.add(end::countDown);
        ServerSocket origin = origin(end);
        ServerJvm first = ServerJvm.startCache("http://127.0.0.1:" + origin.getLocalPort(), cacheDir, 4096,
                "epoll-sendfile", "--inline-body-max", "0");
        open.add(first.process()::destroyForcibly);
        for (int n = 1; n <= DONE; n++) {
            try (Client client = new Client(first.port(), "/done-" + n)) {
                assertEquals("HTTP/1.1 200 OK", client.status);
                assertArrayEquals(body("/done-" + n), client.in.readNBytes(SIZE));
            }
        }
        // Committed: each has its metadata file, the commit record (a client may have every byte a moment before).
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (files(cacheDir, ".meta") < DONE && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(DONE, files(cacheDir, ".meta"));
        List<Client> stalled = new ArrayList<>();
        for (int n = 1; n <= STALLED; n++) {
            Client client = new Client(first.port(), "/stall-" + n);
            open.add(client);
            assertEquals("HTTP/1.1 200 OK", client.status);
            assertArrayEquals(java.util.Arrays.copyOf(body("/stall-" + n), SIZE / 2), client.in.readNBytes(SIZE / 2));
            stalled.add(client);
        }
        assertEquals(STALLED, temporary(cacheDir), "the stalled fills are in tmp/");

        first.process().destroyForcibly(); // SIGKILL: no shutdown, no cleanup
        assertTrue(first.process().waitFor(20, TimeUnit.SECONDS));
        origin.close();
        end.countDown();

        try (ServerSocket gone = new ServerSocket(0)) {
            int nothing = gone.getLocalPort();
            gone.close();
            ServerJvm second = ServerJvm.startCache("http://127.0.0.1:" + nothing, cacheDir, 4096,
                    "uring-splice", "--inline-body-max", "0");
            open.add(second::stop);
            assertEquals(0, temporary(cacheDir), "unfinished fills deleted at startup");
            for (int n = 1; n <= DONE; n++) {
                try (Client client = new Client(second.port(), "/done-" + n)) {
                    assertEquals("HTTP/1.1 200 OK", client.status);
                    assertTrue(client.has("Cache-Status: zeroedge; hit"), client.fields.toString());
                    assertTrue(client.has("Content-Length: " + SIZE), client.fields.toString());
                    assertArrayEquals(body("/done-" + n), client.in.readNBytes(SIZE));
                }
            }
            for (int n = 1; n <= STALLED; n++) {
                try (Client client = new Client(second.port(), "/stall-" + n)) {
                    assertEquals("HTTP/1.1 502 Bad Gateway", client.status, "never a partial object");
                }
            }
            assertTrue(second.logged("3 unfinished fills deleted").size() == 1, second.log().toString());
            // The index comes back in the background (the hits above may have come first): logged when complete.
            long indexed = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (second.logged("cache index complete: 5 objects").isEmpty() && System.nanoTime() < indexed) {
                Thread.sleep(10);
            }
            assertEquals(1, second.logged("cache index complete: 5 objects").size(), second.log().toString());
        }
    }

    private static final int SLICE = 64 * 1024;

    /**
     * Ranges of one object, as a 206 each; the second slice is cut at its middle and the connection kept silent
     * until the test ends (the JVM is killed meanwhile).
     */
    private static void answerRanges(Socket socket, CountDownLatch end) {
        try (socket) {
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            while (true) {
                String head = head(in);
                if (head == null) {
                    return;
                }
                String path = head.substring(4, head.indexOf(' ', 4));
                byte[] body = body(path);
                String range = null;
                for (String line : head.split("\r\n")) {
                    if (line.toLowerCase(Locale.ROOT).startsWith("range: bytes=")) {
                        range = line.substring("range: bytes=".length()).trim();
                    }
                }
                int first = range == null ? 0 : Integer.parseInt(range.substring(0, range.indexOf('-')));
                int last = range == null ? SIZE - 1
                        : Math.min(SIZE - 1, Integer.parseInt(range.substring(range.indexOf('-') + 1)));
                out.write(("HTTP/1.1 206 Partial Content\r\nContent-Length: " + (last - first + 1)
                        + "\r\nContent-Range: bytes " + first + "-" + last + "/" + SIZE
                        + "\r\nETag: \"c1\"\r\nCache-Control: max-age=3600\r\nContent-Type: video/mp4\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                if (first == SLICE) {
                    out.write(body, first, SLICE / 2);
                    out.flush();
                    end.await(60, TimeUnit.SECONDS);
                    return;
                }
                out.write(body, first, last - first + 1);
                out.flush();
            }
        } catch (IOException | InterruptedException e) {
            // the cache went away
        }
    }

    @Test
    void aRestartAfterKillNineMidSliceKeepsTheCommittedSliceAndNeverServesAMissingOne() throws Exception {
        work = Files.createTempDirectory("zeroedge-cache-crash");
        Path cacheDir = work.resolve("cache");
        CountDownLatch end = new CountDownLatch(1);
        open.add(end::countDown);
        ServerSocket origin = origin(end, CacheCrashTest::answerRanges);
        ServerJvm first = ServerJvm.startCache("http://127.0.0.1:" + origin.getLocalPort(), cacheDir, 4096,
                "epoll-sendfile", "--inline-body-max", "0", "--cache-slice", "64k");
        open.add(first.process()::destroyForcibly);
        byte[] body = body("/sliced");
        Client reading = new Client(first.port(), "/sliced");
        open.add(reading);
        assertEquals("HTTP/1.1 200 OK", reading.status);
        assertTrue(reading.has("Content-Length: " + SIZE), reading.fields.toString());
        // The first slice is committed before its bytes go out; the second is half written when the JVM dies.
        assertArrayEquals(java.util.Arrays.copyOf(body, SLICE), reading.in.readNBytes(SLICE));
        first.process().destroyForcibly();
        assertTrue(first.process().waitFor(20, TimeUnit.SECONDS));
        origin.close();
        end.countDown();

        try (ServerSocket gone = new ServerSocket(0)) {
            int nothing = gone.getLocalPort();
            gone.close();
            ServerJvm second = ServerJvm.startCache("http://127.0.0.1:" + nothing, cacheDir, 4096,
                    "nio-sendfile", "--inline-body-max", "0", "--cache-slice", "64k");
            open.add(second::stop);
            try (Client kept = new Client(second.port(), "/sliced", "Range: bytes=100-65535")) {
                assertEquals("HTTP/1.1 206 Partial Content", kept.status);
                assertTrue(kept.has("Cache-Status: zeroedge; fwd=partial"), kept.fields.toString());
                assertArrayEquals(java.util.Arrays.copyOfRange(body, 100, SLICE), kept.in.readNBytes(SLICE - 100));
            }
            // Half of the second slice is on disk, uncommitted: it is asked of the origin (gone), and the client is
            // closed after its head, never sent the bytes of the hole or of half a slice.
            try (Client missing = new Client(second.port(), "/sliced", "Range: bytes=65536-65635")) {
                assertEquals("HTTP/1.1 206 Partial Content", missing.status);
                ByteArrayOutputStream got = new ByteArrayOutputStream();
                try {
                    missing.in.transferTo(got);
                } catch (IOException e) {
                    // a reset after the close
                }
                assertEquals(0, got.size());
            }
            // The index comes back in the background (the requests above may have come first): logged when complete.
            long indexed = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (second.logged("cache index complete: 1 objects").isEmpty() && System.nanoTime() < indexed) {
                Thread.sleep(10);
            }
            assertEquals(1, second.logged("cache index complete: 1 objects").size(), second.log().toString());
        }
    }

    /**
     * An object committed a moment before a {@code kill -9} (after the last checkpoint) whose body then has a byte
     * flipped on disk: the restarted server checks it before its first hit, finds it bad, quarantines it and fetches
     * it from the origin: never served wrong. An object committed as shortly before, left alone, is checked and is a
     * hit. Two cache directories (--cache-dir A,B), so the launcher's list goes through too.
     */
    @Test
    void anObjectCommittedJustBeforeAKillNineIsCheckedBeforeItsFirstHit() throws Exception {
        work = Files.createTempDirectory("zeroedge-cache-crash");
        Path one = work.resolve("one");
        Path two = work.resolve("two");
        CountDownLatch end = new CountDownLatch(1);
        open.add(end::countDown);
        ServerSocket origin = origin(end);
        String dirs = one + "," + two;
        ServerJvm first = ServerJvm.startCache("http://127.0.0.1:" + origin.getLocalPort(), Path.of(dirs), 4096,
                "epoll-sendfile", "--inline-body-max", "0");
        open.add(first.process()::destroyForcibly);
        for (String path : new String[] {"/done-1", "/done-2"}) {
            try (Client client = new Client(first.port(), path)) {
                assertEquals("HTTP/1.1 200 OK", client.status);
                assertArrayEquals(body(path), client.in.readNBytes(SIZE));
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (files(one, ".meta") + files(two, ".meta") < 2 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(2, files(one, ".meta") + files(two, ".meta"));
        first.process().destroyForcibly(); // SIGKILL within seconds of the commits: no checkpoint after them
        assertTrue(first.process().waitFor(20, TimeUnit.SECONDS));

        Path flipped = null;
        for (Path dir : List.of(one, two)) {
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path p : walk.filter(Files::isRegularFile).filter(p -> !p.toString().endsWith(".meta"))
                        .filter(p -> !p.startsWith(dir.resolve("tmp"))).toList()) {
                    if (java.util.Arrays.equals(Files.readAllBytes(p), body("/done-1"))) {
                        flipped = p;
                    }
                }
            }
        }
        assertTrue(flipped != null, "the body of /done-1 on disk");
        try (java.nio.channels.FileChannel body = java.nio.channels.FileChannel.open(flipped,
                java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1);
            body.read(b, 1234);
            b.put(0, (byte) ~b.get(0)).rewind();
            body.write(b, 1234);
            body.force(true);
        }

        ServerJvm second = ServerJvm.startCache("http://127.0.0.1:" + origin.getLocalPort(), Path.of(dirs), 4096,
                "uring-splice", "--inline-body-max", "0");
        open.add(second::stop);
        try (Client client = new Client(second.port(), "/done-1")) {
            assertEquals("HTTP/1.1 200 OK", client.status);
            assertTrue(client.has("Cache-Status: zeroedge; fwd=miss; stored"), client.fields.toString());
            assertArrayEquals(body("/done-1"), client.in.readNBytes(SIZE));
        }
        try (Client client = new Client(second.port(), "/done-2")) {
            assertEquals("HTTP/1.1 200 OK", client.status);
            assertTrue(client.has("Cache-Status: zeroedge; hit"), client.fields.toString());
            assertArrayEquals(body("/done-2"), client.in.readNBytes(SIZE));
        }
        long logged = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (second.logged("cache object corrupt: edge.test /done-1").isEmpty() && System.nanoTime() < logged) {
            Thread.sleep(10); // the log is read from the JVM's output by a thread of its own
        }
        assertEquals(1, second.logged("cache object corrupt: edge.test /done-1").size(), second.log().toString());
        assertEquals(0, second.logged("cache object corrupt: edge.test /done-2").size(), second.log().toString());
    }
}
