package dev.zeroedge.cache;

import dev.zeroedge.http.HttpLimits;
import dev.zeroedge.mode.Mode;
import dev.zeroedge.server.ServerConfig;
import dev.zeroedge.server.ZeroedgeServer;
import dev.zeroedge.testing.LeakRecorder;
import dev.zeroedge.testing.RawHttp;
import dev.zeroedge.testing.RawHttp.Response;
import dev.zeroedge.transport.Transport;
import dev.zeroedge.transport.Transports;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Uploads through the edge cache (issue 15): the body of a POST, PUT, DELETE or PATCH streamed to the origin as
 * core reads it from the client, over real sockets, with a {@link ScriptedOrigin} that reads each body itself and
 * records what it received (the decoded bytes, their CRC32, whether the body ended as its framing says). One mode
 * (epoll-sendfile): this is the HTTP layer's reading and the cache's relaying, not a sender's.
 */
class RequestBodyTest {

    /** What the origin got of one request body. */
    record Received(String head, long bytes, long crc, byte[] start, boolean whole) {
        String text() {
            return new String(start, StandardCharsets.ISO_8859_1);
        }
    }

    private static final int KEPT = 64 * 1024;

    private Path work;
    private ScriptedOrigin origin;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    /** Body bytes the origin has read so far, of the request being read. */
    private final AtomicLong originBytes = new AtomicLong();
    /** While set, the origin reads no body byte until it is counted down. */
    private volatile CountDownLatch originPaused;
    private final List<AutoCloseable> running = new ArrayList<>();
    private ZeroedgeServer server;
    private EdgeCache cache;
    private final Transport transport = Transports.load().require(Mode.EPOLL_SENDFILE);

    @BeforeEach
    void origin() throws IOException {
        work = Files.createTempDirectory("zeroedge-bodies");
        origin = new ScriptedOrigin(this::answer);
    }

    @AfterEach
    void stop() throws Exception {
        CountDownLatch paused = originPaused;
        if (paused != null) {
            paused.countDown();
        }
        for (AutoCloseable closeable : running.reversed()) {
            closeable.close();
        }
        origin.close();
        try (Stream<Path> walk = Files.walk(work)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
        assertEquals(List.of(), LeakRecorder.collect(), "Netty buffers leaked");
    }

    /**
     * GET: {@code PATH v1}, fresh for a minute. Any other method: its body read as its head frames it, recorded, and
     * answered {@code 201} naming the method, path and byte count; a body that ends early is recorded and the
     * connection closed.
     */
    private boolean answer(String head, OutputStream out, Socket socket) throws Exception {
        String method = head.substring(0, head.indexOf(' '));
        String path = head.substring(head.indexOf(' ') + 1, head.indexOf(' ', head.indexOf(' ') + 1));
        if (method.equals("GET")) {
            byte[] body = (path + " v1\n").getBytes(StandardCharsets.ISO_8859_1);
            out.write(ScriptedOrigin.head("200 OK", "Content-Length: " + body.length, "Cache-Control: max-age=60"));
            out.write(body);
            return true;
        }
        Body body = new Body(socket.getInputStream());
        String length = ScriptedOrigin.field(head, "Content-Length");
        boolean whole = "chunked".equalsIgnoreCase(ScriptedOrigin.field(head, "Transfer-Encoding")) ? body.chunked()
                : body.exactly(length == null ? 0 : Long.parseLong(length));
        received.add(new Received(head, body.bytes, body.crc.getValue(), body.kept.toByteArray(), whole));
        if (!whole) {
            return false;
        }
        byte[] text = (method + " " + path + " got " + body.bytes + "\n").getBytes(StandardCharsets.ISO_8859_1);
        out.write(ScriptedOrigin.head("201 Created", "Content-Length: " + text.length));
        out.write(text);
        return true;
    }

    /** The origin's reading of one body: counted, checksummed, its first {@link #KEPT} bytes kept. */
    private final class Body {
        private final InputStream in;
        private final CRC32 crc = new CRC32();
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        private long bytes;

        Body(InputStream in) {
            this.in = in;
            originBytes.set(0);
        }

        boolean exactly(long length) throws Exception {
            byte[] buffer = new byte[64 * 1024];
            while (bytes < length) {
                CountDownLatch paused = originPaused;
                if (paused != null) {
                    paused.await(30, TimeUnit.SECONDS);
                }
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, length - bytes));
                if (n < 0) {
                    return false;
                }
                take(buffer, n);
            }
            return true;
        }

        boolean chunked() throws Exception {
            while (true) {
                String line = line();
                if (line == null) {
                    return false;
                }
                int semicolon = line.indexOf(';');
                long size = Long.parseLong((semicolon < 0 ? line : line.substring(0, semicolon)).trim(), 16);
                if (size == 0) {
                    for (String trailer = line(); trailer != null; trailer = line()) {
                        if (trailer.isEmpty()) {
                            return true;
                        }
                    }
                    return false;
                }
                long before = bytes;
                if (!exactly(before + size) || !"".equals(line())) {
                    return false;
                }
            }
        }

        private void take(byte[] buffer, int n) {
            crc.update(buffer, 0, n);
            kept.write(buffer, 0, (int) Math.min(n, Math.max(0, KEPT - kept.size())));
            bytes += n;
            originBytes.addAndGet(n);
        }

        /** A CRLF-ended line of chunk framing, or null at the end of the stream. */
        private String line() throws IOException {
            StringBuilder line = new StringBuilder();
            for (int b = in.read(); b >= 0; b = in.read()) {
                if (b == '\n' && !line.isEmpty() && line.charAt(line.length() - 1) == '\r') {
                    return line.substring(0, line.length() - 1);
                }
                line.append((char) b);
            }
            return null;
        }
    }

    private void start(HttpLimits limits) throws IOException {
        CacheConfig config = CacheConfig.of("http://127.0.0.1:" + origin.port(), work.resolve("cache"))
                .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(5));
        EdgeCache[] source = new EdgeCache[1];
        ZeroedgeServer started = ZeroedgeServer.start(ServerConfig.of(work, new InetSocketAddress("127.0.0.1", 0))
                        .withEventLoops(2).withGracePeriod(Duration.ofSeconds(1)).withLimits(limits), transport,
                (c, opener, pool) -> source[0] = EdgeCache.open(config, transport, pool, false));
        running.add(() -> started.shutdown(Duration.ofSeconds(1)));
        server = started;
        cache = source[0];
    }

    private void start() throws IOException {
        start(HttpLimits.DEFAULTS);
    }

    private Response get(RawHttp http, String path) throws IOException {
        return http.exchange("GET " + path + " HTTP/1.1\r\nHost: edge.test\r\n\r\n");
    }

    @Test
    void aPostBodyReachesTheOriginExactlyAndTheConnectionCarriesOn() throws Exception {
        start();
        try (RawHttp http = new RawHttp(server.port())) {
            assertEquals("zeroedge; fwd=miss; stored", get(http, "/t.txt").header("Cache-Status"));
            // Committed (a hit may be served by the fill before its commit, which would store it again after the POST).
            eventually(() -> cache.objects() == 1);
            assertEquals("zeroedge; hit", get(http, "/t.txt").header("Cache-Status"));
            // Head and body in two writes, then, on the same connection, a GET pipelined behind a second POST.
            http.send("POST /t.txt HTTP/1.1\r\nHost: edge.test\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                    + "Content-Length: 11\r\n\r\n");
            Response post = http.send("hello=world").read();
            assertEquals("HTTP/1.1 201 Created", post.statusLine());
            assertEquals("POST /t.txt got 11\n", post.bodyText());
            assertEquals("zeroedge; fwd=method", post.header("Cache-Status"));
            assertNull(post.header("Connection"));
            Received first = received.getFirst();
            assertEquals("hello=world", first.text());
            assertTrue(first.whole());
            assertEquals("11", ScriptedOrigin.field(first.head(), "Content-Length"));
            assertNull(ScriptedOrigin.field(first.head(), "Transfer-Encoding"));
            assertEquals("application/x-www-form-urlencoded", ScriptedOrigin.field(first.head(), "Content-Type"));
            // The POST invalidated the stored object: the next GET asks the origin again.
            assertEquals("zeroedge; fwd=miss; stored", get(http, "/t.txt").header("Cache-Status"));
            eventually(() -> cache.objects() == 1);

            http.send("POST /u.txt HTTP/1.1\r\nHost: edge.test\r\nContent-Length: 3\r\n\r\nabc"
                    + "GET /t.txt HTTP/1.1\r\nHost: edge.test\r\n\r\n");
            assertEquals("POST /u.txt got 3\n", http.read().bodyText());
            Response after = http.read();
            assertEquals("/t.txt v1\n", after.bodyText());
            assertEquals("zeroedge; hit", after.header("Cache-Status"));
            assertEquals("abc", received.get(1).text());

            // Answered without the origin (a name the cache refuses) before its body was taken: the body is let go
            // of with the response (the leak check after the test), and the connection closes after it.
            Response refused = http.exchange("POST /.hidden HTTP/1.1\r\nHost: edge.test\r\nContent-Length: 4\r\n\r\n"
                    + "gone");
            assertTrue(refused.status() >= 400, refused.statusLine());
            assertEquals("close", refused.header("Connection"));
            assertTrue(http.closedByServer(5_000));
        }
        assertEquals(2, received.size());
    }

    @Test
    void aChunkedPutIsRelayedChunkedWithItsBytesExact() throws Exception {
        start();
        try (RawHttp http = new RawHttp(server.port())) {
            http.send("PUT /c.bin HTTP/1.1\r\nHost: edge.test\r\nTransfer-Encoding: chunked\r\n\r\n");
            http.send("5;name=value\r\nfirst\r\n");
            http.send("C\r\n, the second\r\n1\r\n!");
            http.send("\r\n0\r\nX-Trailer: dropped\r\n\r\n");
            Response put = http.read();
            assertEquals("HTTP/1.1 201 Created", put.statusLine());
            assertEquals("PUT /c.bin got 18\n", put.bodyText());
            assertEquals("/x v1\n", get(http, "/x").bodyText()); // kept alive after the chunked body
        }
        Received put = received.getFirst();
        assertEquals("first, the second!", put.text());
        assertTrue(put.whole());
        assertEquals("chunked", ScriptedOrigin.field(put.head(), "Transfer-Encoding"));
        assertNull(ScriptedOrigin.field(put.head(), "Content-Length"));
        assertFalse(put.head().contains("X-Trailer"));
    }

    /**
     * 64 MiB through an origin that reads nothing of it for a while: the client can have sent no more than the
     * sockets between it and the origin hold. Were the body buffered in the JVM, all 64 MiB would be sent at once
     * (loopback takes them in well under the pause); with the client read only as the origin takes the body, what
     * is sent stops at the sockets' buffers (a few MiB each; 32 MiB is a generous bound). Then the origin reads on
     * and receives every byte, exactly.
     */
    @Test
    void aLargeUploadWaitsInTheSocketsWhileTheOriginDoesNotRead() throws Exception {
        start();
        originPaused = new CountDownLatch(1);
        long size = 64L << 20;
        CRC32 sent = new CRC32();
        AtomicLong written = new AtomicLong();
        RawHttp http = new RawHttp(server.port());
        Socket socket = http.socket();
        socket.setSendBufferSize(256 * 1024); // fixed, not autotuned: the client's own buffer stays small
        Thread client = Thread.ofPlatform().start(() -> {
            try {
                OutputStream out = socket.getOutputStream();
                out.write(("PUT /big.bin HTTP/1.1\r\nHost: edge.test\r\nContent-Length: " + size + "\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                byte[] block = new byte[64 * 1024];
                for (long at = 0; at < size; at += block.length) {
                    for (int i = 0; i < block.length; i++) {
                        block[i] = (byte) ((at + i) * 31 >>> 3);
                    }
                    out.write(block);
                    sent.update(block);
                    written.addAndGet(block.length);
                }
            } catch (IOException e) {
                // the assertions below say what went wrong
            }
        });
        try (http) {
            eventually(() -> !received.isEmpty() || origin.requests() == 1);
            Thread.sleep(1_000); // long enough for 64 MiB on loopback, were nothing holding them back
            long before = written.get();
            System.out.printf("upload: %d MiB sent while the origin read nothing%n", before >> 20);
            assertTrue(before < 32L << 20, "client sent " + before + " bytes while the origin read none");
            originPaused.countDown();
            client.join(30_000);
            assertEquals(size, written.get());
            Response put = http.read();
            assertEquals("HTTP/1.1 201 Created", put.statusLine());
            assertEquals("PUT /big.bin got " + size + "\n", put.bodyText());
        }
        Received big = received.getFirst();
        assertEquals(size, big.bytes());
        assertEquals(sent.getValue(), big.crc());
        assertEquals(String.valueOf(size), ScriptedOrigin.field(big.head(), "Content-Length"));
    }

    @Test
    void bodiesOverTheLimitAre413AndChunkedOnesCutOff() throws Exception {
        start(HttpLimits.DEFAULTS.withMaxRequestBody(1 << 20));
        try (RawHttp http = new RawHttp(server.port())) {
            Response refused = http.exchange("POST /l.bin HTTP/1.1\r\nHost: edge.test\r\nExpect: 100-continue\r\n"
                    + "Content-Length: 1048577\r\n\r\n");
            assertEquals("HTTP/1.1 413 Content Too Large", refused.statusLine());
            assertEquals("close", refused.header("Connection"));
            assertTrue(http.closedByServer(5_000));
        }
        assertEquals(0, origin.requests());
        try (RawHttp http = new RawHttp(server.port())) {
            String chunk = "x".repeat(400 * 1024);
            http.send("POST /l.bin HTTP/1.1\r\nHost: edge.test\r\nTransfer-Encoding: chunked\r\n\r\n");
            for (int i = 0; i < 3; i++) {
                http.send(Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n");
            }
            Response cut = http.read();
            assertEquals(413, cut.status());
            assertEquals("close", cut.header("Connection"));
            assertTrue(http.closedByServer(5_000));
        } catch (IOException reset) {
            // The server may close while the last chunk is still being sent: what matters is the origin's view.
        }
        eventually(() -> received.size() == 1);
        assertFalse(received.getFirst().whole()); // no last chunk: the origin never took it for a whole body
        assertTrue(received.getFirst().bytes() <= 1 << 20);
    }

    @Test
    void expectContinueIsAnsweredWhenTheOriginIsAskedAndOtherExpectationsAre417() throws Exception {
        start();
        try (RawHttp http = new RawHttp(server.port())) {
            http.send("PUT /e.txt HTTP/1.1\r\nHost: edge.test\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
            assertEquals("HTTP/1.1 100 Continue", http.read().statusLine());
            Response put = http.send("12345").read();
            assertEquals("HTTP/1.1 201 Created", put.statusLine());
            assertEquals("PUT /e.txt got 5\n", put.bodyText());
            assertFalse(received.getFirst().head().toLowerCase().contains("expect"));
        }
        try (RawHttp http = new RawHttp(server.port())) {
            Response failed = http.exchange("PUT /e.txt HTTP/1.1\r\nHost: edge.test\r\nExpect: teapot\r\n"
                    + "Content-Length: 5\r\n\r\n12345");
            assertEquals("HTTP/1.1 417 Expectation Failed", failed.statusLine());
        }
        try (RawHttp http = new RawHttp(server.port())) {
            Response coded = http.exchange("PUT /e.txt HTTP/1.1\r\nHost: edge.test\r\n"
                    + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n");
            assertEquals("HTTP/1.1 501 Not Implemented", coded.statusLine()); // RFC 9112 §6.1: a coding not known
        }
        assertEquals(1, origin.requests());
    }

    @Test
    void aBodyCutShortAbortsTheOriginRequest() throws Exception {
        start(HttpLimits.DEFAULTS.withSendTimeout(Duration.ofSeconds(1)));
        try (RawHttp http = new RawHttp(server.port())) {
            http.send("POST /h.bin HTTP/1.1\r\nHost: edge.test\r\nContent-Length: 1000\r\n\r\n" + "h".repeat(500));
            eventually(() -> originBytes.get() == 500);
        }
        eventually(() -> received.size() == 1);
        assertFalse(received.getFirst().whole());
        assertEquals(500, received.getFirst().bytes());

        // A client that stops sending mid-body (and keeps its connection) is closed by the send timeout.
        try (RawHttp http = new RawHttp(server.port())) {
            http.send("PUT /s.bin HTTP/1.1\r\nHost: edge.test\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n");
            boolean closed = false;
            try {
                Response answer = http.read();
                assertEquals(400, answer.status());
                closed = http.closedByServer(5_000);
            } catch (IOException e) {
                closed = true;
            }
            assertTrue(closed);
        }
        eventually(() -> received.size() == 2);
        assertFalse(received.get(1).whole());
        assertEquals("abc", received.get(1).text());
    }

    private static void eventually(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "condition not met within 10 s");
            Thread.sleep(10);
        }
    }
}
