package dev.zeroedge.launcher;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

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
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SIGHUP on a real server JVM started with {@code --config} (in uring-splice and in epoll-sendfile), while two keep-alive clients fetch a 1 KiB file
 * in a loop and a 32 MiB download is held in flight by a client that reads through a 32 KiB receive buffer
 * only at the end. Three reloads: one that lowers {@code max-connections} and {@code header-timeout}, which
 * new connections obey at once; one with a bad file, which changes nothing; one that changes the port,
 * which is reported as needing a restart while the old port goes on serving. Through all of it not one of
 * the 1 KiB responses fails and the download arrives byte for byte.
 */
class ConfigReloadTest {

    private static final int BIG = 32 * 1024 * 1024;
    private static final byte[] SMALL = pattern(1024, 7);

    @TempDir
    Path root;
    @TempDir
    Path etc;

    /** The primary mode and the fallback: each has its own event loop and sender under the same reload. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"uring-splice", "epoll-sendfile"})
    void aReloadChangesLiveLimitsForNewConnectionsAndNothingInFlight(String mode) throws Exception {
        byte[] big = pattern(BIG, 3);
        Files.write(root.resolve("big.bin"), big);
        Files.write(root.resolve("small.bin"), SMALL);
        int port = freePort();
        Path config = etc.resolve("zeroedge.yaml");
        String base = "root: " + root + "\nbind: 127.0.0.1\nport: " + port + "\nmode: " + mode + "\n";
        write(config, base + "max-connections: 50\nheader-timeout: 10s\n");
        ServerJvm server = ServerJvm.serve(16384, "--config", config.toString());
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong served = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> load = new ArrayList<>();
        try {
            assertEquals(port, server.port());
            for (int i = 0; i < 2; i++) {
                load.add(Thread.ofPlatform().name("load-" + i).start(() -> fetchSmallWhile(port, running, served, failure)));
            }
            try (Socket download = new Socket()) {
                download.setReceiveBufferSize(32 * 1024);
                download.connect(new InetSocketAddress("127.0.0.1", port));
                download.getOutputStream().write(("GET /big.bin HTTP/1.1\r\nHost: a\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                InputStream downloaded = download.getInputStream();
                String head = head(downloaded);
                assertTrue(head.startsWith("HTTP/1.1 200 OK\r\n") && head.contains("\r\nContent-Length: " + BIG + "\r\n"), head);
                awaitServed(served, 100);

                // 1. Live: the two load connections and the download are open; room for one more.
                write(config, base + "max-connections: 4\nheader-timeout: 1s\n");
                server.signal("HUP");
                assertEquals("reload: header-timeout 10s -> 1s, max-connections 50 -> 4 applied to new connections",
                        afterLevel(server.awaitLogged("reload: ")));
                long servedAtReload = served.get();
                try (Socket silent = new Socket("127.0.0.1", port)) {
                    OutputStream out = silent.getOutputStream();
                    out.write("GET /small.bin HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
                    long sent = System.nanoTime();
                    // The fifth connection is one past the new limit.
                    try (Socket fifth = new Socket("127.0.0.1", port)) {
                        assertEquals("HTTP/1.1 503 Service Unavailable", statusLine(fifth));
                    }
                    assertEquals("HTTP/1.1 408 Request Timeout", statusLine(silent));
                    // Under 5 s, so the new 1 s header timeout closed it, not the old 10 s one.
                    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent);
                    assertTrue(tookMillis < 5000, "408 after " + tookMillis + " ms");
                }

                // 2. A bad file changes nothing: max-connections stays 4, not 1.
                write(config, base + "max-connections: 1\nheader-timeout: 10\n");
                server.signal("HUP");
                assertEquals("reload failed, nothing changed: " + config + ":6: header-timeout needs a unit (ms, s, m, h): 10",
                        afterLevel(server.awaitLogged("reload failed")));
                assertEquals(1, server.logged("reload failed").size(), server.log().toString());
                awaitClosedConnectionsCounted(port);

                // 3. The port cannot change while serving: reported, and the old port serves on.
                int otherPort = freePort();
                write(config, base.replace("port: " + port, "port: " + otherPort) + "max-connections: 4\nheader-timeout: 1s\n");
                server.signal("HUP");
                assertEquals("reload: port " + otherPort + " (still " + port + ") needs a restart",
                        afterLevel(server.awaitLogged("needs a restart")));
                try (Socket oneMore = new Socket("127.0.0.1", port)) {
                    assertArrayEquals(SMALL, fetch(oneMore));
                }
                assertThrows(IOException.class, () -> new Socket("127.0.0.1", otherPort).close());

                awaitServed(served, servedAtReload + 100);
                running.set(false);
                for (Thread thread : load) {
                    thread.join(10_000);
                }
                if (failure.get() != null) {
                    throw new AssertionError("a 1 KiB response failed during the reloads", failure.get());
                }
                // Only now the download is read: it stayed in flight through all three reloads.
                byte[] body = downloaded.readNBytes(BIG);
                assertEquals(BIG, body.length);
                assertTrue(Arrays.equals(big, body), "the download arrived byte for byte");
            }
            server.stop();
            assertEquals(0, server.process().exitValue(), server.log().toString());
        } finally {
            running.set(false);
            server.process().destroyForcibly();
        }
    }

    @Test
    void aSighupWithoutAConfigFileChangesNothingAndKeepsServing() throws Exception {
        Files.write(root.resolve("small.bin"), SMALL);
        ServerJvm server = ServerJvm.start(root, 4096, "nio-sendfile");
        try {
            server.signal("HUP");
            assertEquals("reload failed, nothing changed: serve was started without --config: there is no file"
                    + " to read again", afterLevel(server.awaitLogged("reload failed")));
            try (Socket socket = new Socket("127.0.0.1", server.port())) {
                assertArrayEquals(SMALL, fetch(socket));
            }
        } finally {
            server.stop();
        }
    }

    /** One keep-alive connection fetching the 1 KiB file until told to stop; any failure is kept. */
    private static void fetchSmallWhile(int port, AtomicBoolean running, AtomicLong served,
                                        AtomicReference<Throwable> failure) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            while (running.get()) {
                byte[] body = fetch(socket);
                if (!Arrays.equals(SMALL, body)) {
                    throw new AssertionError("wrong 1 KiB body");
                }
                served.incrementAndGet();
            }
        } catch (Throwable e) {
            failure.compareAndSet(null, e);
        }
    }

    /** GET /small.bin on a keep-alive connection: the body, after a 200 head with its exact length. */
    private static byte[] fetch(Socket socket) throws IOException {
        socket.getOutputStream().write("GET /small.bin HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        InputStream in = socket.getInputStream();
        String head = head(in);
        if (!head.startsWith("HTTP/1.1 200 OK\r\n") || !head.contains("\r\nContent-Length: 1024\r\n")) {
            throw new IOException("not a 200 of 1024 bytes: " + head);
        }
        byte[] body = in.readNBytes(SMALL.length);
        if (body.length != SMALL.length) {
            throw new IOException("the body ended after " + body.length + " bytes");
        }
        return body;
    }

    /** A response head, up to and with its blank line. */
    private static String head(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("the connection closed in the head: " + head.toString(StandardCharsets.ISO_8859_1));
            }
            head.write(b);
            matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    private static String statusLine(Socket socket) throws IOException {
        socket.setSoTimeout(10_000);
        String head = head(socket.getInputStream());
        return head.substring(0, head.indexOf("\r\n"));
    }

    /**
     * The silent and the refused connection of step 1 count against the limit until the server has seen them
     * close; wait until one more connection is served again (the limit is 4, three are held).
     */
    private static void awaitClosedConnectionsCounted(int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try (Socket probe = new Socket("127.0.0.1", port)) {
                probe.setSoTimeout(10_000);
                probe.getOutputStream().write("GET /small.bin HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                String status = statusLine(probe);
                if (status.equals("HTTP/1.1 200 OK")) {
                    return;
                }
                if (!status.equals("HTTP/1.1 503 Service Unavailable") || System.nanoTime() > deadline) {
                    throw new AssertionError("after the bad reload: " + status);
                }
            }
            Thread.sleep(50);
        }
    }

    private static void awaitServed(AtomicLong served, long atLeast) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (served.get() < atLeast) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("only " + served.get() + " 1 KiB responses, wanted " + atLeast);
            }
            Thread.sleep(10);
        }
    }

    /** A log line without its time stamp and level: {@code [main] INFO zeroedge - reload: ...} -> {@code reload: ...}. */
    private static String afterLevel(String line) {
        return line.substring(line.indexOf(" zeroedge - ") + " zeroedge - ".length());
    }

    /** Replaces the file whole, as an editor's save or a deployment's rename does: a reload never reads half of it. */
    private static void write(Path file, String text) throws IOException {
        Path next = file.resolveSibling(file.getFileName() + ".next");
        Files.writeString(next, text);
        Files.move(next, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** Bytes that differ along the file, so a piece sent twice or out of place shows. */
    private static byte[] pattern(int length, int seed) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) ((i / 4096) * 31 + i * seed);
        }
        return bytes;
    }
}
