package dev.zeroedge.http;

import dev.zeroedge.mode.Mode;
import dev.zeroedge.server.ServerConfig;
import dev.zeroedge.server.ZeroedgeServer;
import dev.zeroedge.testing.LeakRecorder;
import dev.zeroedge.testing.OpenDescriptors;
import dev.zeroedge.testing.RawHttp;
import dev.zeroedge.testing.RawHttp.Response;
import dev.zeroedge.transport.Transport;
import io.netty.handler.codec.DateFormatter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Date;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * HTTP behaviour that every mode must show, written once over raw sockets (RFC 9110/9112). Each transport
 * module runs it with a one-line subclass naming its {@link Transport}. The transport is forced: when it
 * is unavailable on Linux the suite fails, it never skips.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class HttpBehaviourSuite {

    static final String HELLO = "Hello, edge!\n";
    static final long HUGE = 5L * 1024 * 1024 * 1024;
    static final long PAST_4G = 4L * 1024 * 1024 * 1024 + 1000;
    static final byte[] MARKER = "past-four-gigabytes".getBytes(StandardCharsets.US_ASCII);
    static final int BIG = 64 * 1024 * 1024;

    protected Path base;
    protected Path root;
    protected ZeroedgeServer server;
    protected int port;
    protected byte[] data;

    /** The transport under test. */
    protected abstract Transport transport();

    @BeforeAll
    void startServer() throws IOException {
        Transport transport = transport();
        if (System.getProperty("os.name").toLowerCase().contains("linux") || transport.mode() == Mode.NIO_SENDFILE) {
            transport.availability().ensureAvailable();
        }
        base = Files.createTempDirectory("zeroedge-suite");
        root = Files.createDirectory(base.resolve("root"));
        makeSite();
        server = ZeroedgeServer.start(config(), transport);
        port = server.port();
    }

    /**
     * The configuration of the suite's server; subclasses may tune it (slices, loops, inline bodies). Inline
     * bodies are off, so that every body of the suite goes through the sender of the mode under test.
     */
    protected ServerConfig config() {
        return ServerConfig.of(root, new InetSocketAddress("127.0.0.1", 0)).withGracePeriod(Duration.ofSeconds(2))
                .withInlineBodyMax(0);
    }

    @AfterAll
    void stopServer() throws Exception {
        if (server != null) {
            server.shutdown(Duration.ofSeconds(2));
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

    private void makeSite() throws IOException {
        Files.writeString(root.resolve("hello.txt"), HELLO);
        data = new byte[100_000];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 31 + i / 251);
        }
        Files.write(root.resolve("data.bin"), data);
        Files.createFile(root.resolve("empty.txt"));
        Files.writeString(root.resolve("a b.txt"), "space\n");
        Files.writeString(root.resolve("clip.mp4"), "mp4");
        Files.writeString(root.resolve("seg.ts"), "ts");
        Files.writeString(root.resolve("seg.m4s"), "m4s");
        Files.writeString(root.resolve("list.m3u8"), "#EXTM3U\n");
        Files.writeString(root.resolve("noext"), "x");
        Files.createDirectory(root.resolve("docs"));
        Files.writeString(root.resolve("docs/index.html"), "<h1>docs</h1>\n");
        Files.createDirectory(root.resolve("noindex"));
        for (String odd : List.of("sp ace", "caf\u00e9", "a#b?c", "100%", "semi;colon")) {
            Files.createDirectory(root.resolve(odd));
        }
        Files.writeString(root.resolve("noindex/a.txt"), "a\n");
        Files.writeString(root.resolve(".secret"), "secret\n");
        Files.createDirectory(root.resolve(".hidden"));
        Files.writeString(root.resolve(".hidden/inner.txt"), "inner\n");
        Path outside = Files.createDirectory(base.resolve("outside"));
        Files.writeString(outside.resolve("passwd"), "outside the root\n");
        Files.createSymbolicLink(root.resolve("escape.txt"), Path.of("../outside/passwd"));
        Files.createSymbolicLink(root.resolve("escape-dir"), Path.of("../outside"));
        Files.createSymbolicLink(root.resolve("alias.txt"), Path.of("hello.txt"));
        try (RandomAccessFile big = new RandomAccessFile(root.resolve("big.bin").toFile(), "rw")) {
            big.setLength(BIG);
        }
        try (RandomAccessFile huge = new RandomAccessFile(root.resolve("huge.bin").toFile(), "rw")) {
            huge.setLength(HUGE);
            huge.seek(PAST_4G);
            huge.write(MARKER);
            huge.seek(HUGE - MARKER.length);
            huge.write(MARKER);
        }
    }

    // ---- helpers ----

    Response get(String path, String... headers) throws IOException {
        return request("GET", path, headers);
    }

    Response request(String method, String path, String... headers) throws IOException {
        try (RawHttp http = new RawHttp(port)) {
            http.send(method + " " + path + " HTTP/1.1\r\nHost: test\r\n" + String.join("", Arrays.stream(headers)
                    .map(h -> h + "\r\n").toList()) + "\r\n");
            return method.equals("HEAD") ? http.readHead() : http.read();
        }
    }

    Response raw(String request) throws IOException {
        try (RawHttp http = new RawHttp(port)) {
            return http.exchange(request);
        }
    }

    static String etagOf(Response r) {
        String etag = r.header("ETag");
        assertNotNull(etag, "ETag in " + r);
        return etag;
    }

    // ---- files ----

    @Test
    void getServesExactBytesAndHeaders() throws IOException {
        Response r = get("/hello.txt");
        assertEquals("HTTP/1.1 200 OK", r.statusLine());
        assertEquals(HELLO, r.bodyText());
        assertEquals("13", r.header("Content-Length"));
        assertEquals("text/plain; charset=utf-8", r.header("Content-Type"));
        assertEquals("bytes", r.header("Accept-Ranges"));
        assertNotNull(DateFormatter.parseHttpDate(r.header("Date")), "Date is an HTTP-date");
        long mtime = Files.getLastModifiedTime(root.resolve("hello.txt")).toMillis() / 1000 * 1000;
        assertEquals(DateFormatter.format(new Date(mtime)), r.header("Last-Modified"));
        assertTrue(etagOf(r).matches("\"[0-9a-f]+-[0-9a-f]+-[0-9a-f]+\""), "strong ETag: " + r.header("ETag"));
        assertNull(r.header("Connection"));
    }

    @Test
    void getServesBinaryFileAndCountsItsBytes() throws IOException {
        // A server of its own: on the shared one a previous test's completion may still be counted
        // (an io_uring sender completes after its client holds every byte) and land in this delta.
        ZeroedgeServer counted = ZeroedgeServer.start(config(), transport());
        try (RawHttp http = new RawHttp(counted.port())) {
            Response r = http.exchange("GET /data.bin HTTP/1.1\r\nHost: test\r\n\r\n");
            assertEquals(200, r.status());
            assertArrayEquals(data, r.body());
            assertEquals("application/octet-stream", r.header("Content-Type"));
            // The server counts when its write completes on the event loop, which may be after the client
            // has already read the last byte: wait for the count instead of racing it.
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (counted.counters().fileBytes() < data.length && System.nanoTime() < deadline) {
                java.util.concurrent.locks.LockSupport.parkNanos(100_000);
            }
            assertEquals(data.length, counted.counters().fileBytes());
        } finally {
            counted.shutdown(Duration.ofSeconds(1));
        }
    }

    @Test
    void contentTypesComeFromTheTable() throws IOException {
        assertEquals("video/mp4", get("/clip.mp4").header("Content-Type"));
        assertEquals("video/mp2t", get("/seg.ts").header("Content-Type"));
        assertEquals("video/iso.segment", get("/seg.m4s").header("Content-Type"));
        assertEquals("application/vnd.apple.mpegurl", get("/list.m3u8").header("Content-Type"));
        assertEquals("application/octet-stream", get("/noext").header("Content-Type"));
        assertEquals("text/html; charset=utf-8", get("/docs/").header("Content-Type"));
    }

    @Test
    void emptyFile() throws IOException {
        Response r = get("/empty.txt");
        assertEquals(200, r.status());
        assertEquals("0", r.header("Content-Length"));
        assertEquals(0, r.body().length);
        Response ranged = get("/empty.txt", "Range: bytes=0-10");
        assertEquals(200, ranged.status(), "a Range on an empty file is ignored");
        assertEquals("0", ranged.header("Content-Length"));
    }

    @Test
    void percentEncodedNames() throws IOException {
        Response r = get("/a%20b.txt");
        assertEquals(200, r.status());
        assertEquals("space\n", r.bodyText());
    }

    @Test
    void headSendsTheSameHeadersAndNoBody() throws IOException {
        Response g = get("/data.bin");
        try (RawHttp http = new RawHttp(port)) {
            Response h = http.send("HEAD /data.bin HTTP/1.1\r\nHost: test\r\n\r\n").readHead();
            assertEquals("HTTP/1.1 200 OK", h.statusLine());
            List<String> names = new ArrayList<>(g.headerNames());
            assertEquals(names, h.headerNames());
            for (String name : List.of("Content-Length", "Content-Type", "ETag", "Last-Modified", "Accept-Ranges")) {
                assertEquals(g.header(name), h.header(name), name);
            }
            // No body followed: the next response on the connection starts right away.
            Response next = http.exchange("GET /hello.txt HTTP/1.1\r\nHost: test\r\n\r\n");
            assertEquals(HELLO, next.bodyText());
        }
    }

    // ---- methods and errors ----

    @Test
    void knownMethodsOtherThanGetAndHeadGet405WithAllow() throws IOException {
        for (String method : List.of("POST", "PUT", "DELETE", "PATCH", "OPTIONS")) {
            Response r = raw(method + " /hello.txt HTTP/1.1\r\nHost: test\r\nContent-Length: 0\r\n\r\n");
            assertEquals("HTTP/1.1 405 Method Not Allowed", r.statusLine(), method);
            assertEquals("GET, HEAD", r.header("Allow"));
        }
    }

    @Test
    void unknownMethodGets501() throws IOException {
        Response r = raw("BREW /pot HTTP/1.1\r\nHost: test\r\n\r\n");
        assertEquals("HTTP/1.1 501 Not Implemented", r.statusLine());
        assertEquals("GET, HEAD", r.header("Allow"));
    }

    @Test
    void postWithBodyIsAnsweredAndClosedWithoutReadingTheBody() throws IOException {
        try (RawHttp http = new RawHttp(port)) {
            http.send("POST /hello.txt HTTP/1.1\r\nHost: test\r\nContent-Length: 38\r\n\r\n"
                    + "GET /hello.txt HTTP/1.1\r\nHost: test\r\n\r\n");
            Response r = http.read();
            assertEquals(405, r.status());
            assertEquals("close", r.header("Connection"));
            assertTrue(http.closedByServer(2000), "closed after a request with a body");
        }
    }

    @Test
    void errorsHaveShortPlainTextBodies() throws IOException {
        Response r = get("/missing.txt");
        assertEquals("HTTP/1.1 404 Not Found", r.statusLine());
        assertEquals("text/plain; charset=utf-8", r.header("Content-Type"));
        assertEquals("404 Not Found\n", r.bodyText());
        assertNotNull(r.header("Date"));
    }

    // ---- ranges ----

    @Test
    void singleRange() throws IOException {
        Response r = get("/data.bin", "Range: bytes=100-199");
        assertEquals("HTTP/1.1 206 Partial Content", r.statusLine());
        assertEquals("bytes 100-199/100000", r.header("Content-Range"));
        assertEquals("100", r.header("Content-Length"));
        assertArrayEquals(Arrays.copyOfRange(data, 100, 200), r.body());
    }

    @Test
    void suffixOpenEndedAndClampedRanges() throws IOException {
        Response suffix = get("/data.bin", "Range: bytes=-10");
        assertEquals("bytes 99990-99999/100000", suffix.header("Content-Range"));
        assertArrayEquals(Arrays.copyOfRange(data, 99_990, 100_000), suffix.body());
        Response open = get("/data.bin", "Range: bytes=99995-");
        assertEquals("bytes 99995-99999/100000", open.header("Content-Range"));
        assertArrayEquals(Arrays.copyOfRange(data, 99_995, 100_000), open.body());
        Response clamped = get("/data.bin", "Range: bytes=99998-200000");
        assertEquals("bytes 99998-99999/100000", clamped.header("Content-Range"));
        assertArrayEquals(Arrays.copyOfRange(data, 99_998, 100_000), clamped.body());
        Response wholeSuffix = get("/hello.txt", "Range: bytes=-1000");
        assertEquals("bytes 0-12/13", wholeSuffix.header("Content-Range"));
        assertEquals(HELLO, wholeSuffix.bodyText());
    }

    @Test
    void unsatisfiableRangeGets416WithStarLength() throws IOException {
        Response r = get("/data.bin", "Range: bytes=100000-");
        assertEquals("HTTP/1.1 416 Range Not Satisfiable", r.statusLine());
        assertEquals("bytes */100000", r.header("Content-Range"));
    }

    @Test
    void invalidOrForeignRangesAreIgnored() throws IOException {
        for (String range : List.of("bytes=abc", "bytes=5-1", "items=0-5", "bytes=0-1,x", "bytes")) {
            Response r = get("/hello.txt", "Range: " + range);
            assertEquals(200, r.status(), range);
            assertEquals(HELLO, r.bodyText(), range);
            assertNull(r.header("Content-Range"), range);
        }
    }

    @Test
    void rangeOnHeadIsIgnored() throws IOException {
        Response r = request("HEAD", "/data.bin", "Range: bytes=0-9");
        assertEquals(200, r.status());
        assertEquals("100000", r.header("Content-Length"));
        assertNull(r.header("Content-Range"));
    }

    @Test
    void severalRangesMakeAMultipartBodyWithExactLength() throws IOException {
        Response r = get("/data.bin", "Range: bytes=0-9,500-509,-5");
        assertEquals(206, r.status());
        String type = r.header("Content-Type");
        assertTrue(type.startsWith("multipart/byteranges; boundary="), type);
        String boundary = type.substring(type.indexOf('=') + 1);
        assertEquals(Integer.parseInt(r.header("Content-Length")), r.body().length);
        assertNull(r.header("Content-Range"));
        List<byte[]> parts = MultipartParts.parse(r.body(), boundary, List.of(
                "bytes 0-9/100000", "bytes 500-509/100000", "bytes 99995-99999/100000"), "application/octet-stream");
        assertArrayEquals(Arrays.copyOfRange(data, 0, 10), parts.get(0));
        assertArrayEquals(Arrays.copyOfRange(data, 500, 510), parts.get(1));
        assertArrayEquals(Arrays.copyOfRange(data, 99_995, 100_000), parts.get(2));
    }

    @Test
    void overlappingAndAdjacentRangesAreMerged() throws IOException {
        Response r = get("/data.bin", "Range: bytes=20-29,0-9,10-19,5-12");
        assertEquals(206, r.status());
        assertEquals("bytes 0-29/100000", r.header("Content-Range"));
        assertArrayEquals(Arrays.copyOfRange(data, 0, 30), r.body());
    }

    @Test
    void tooManyRangesOrMoreBytesThanTheFileGetTheWholeFile() throws IOException {
        StringBuilder many = new StringBuilder("bytes=");
        for (int i = 0; i < 17; i++) {
            many.append(i == 0 ? "" : ",").append(i * 100).append('-').append(i * 100 + 1);
        }
        Response r = get("/data.bin", "Range: " + many);
        assertEquals(200, r.status());
        assertArrayEquals(data, r.body());
        Response overlapping = get("/hello.txt", "Range: bytes=0-12,0-12");
        assertEquals(200, overlapping.status());
        assertEquals(HELLO, overlapping.bodyText());
    }

    @Test
    void rangesPastFourGigabytes() throws IOException {
        Response head = request("HEAD", "/huge.bin");
        assertEquals(Long.toString(HUGE), head.header("Content-Length"));
        Response r = get("/huge.bin", "Range: bytes=" + PAST_4G + "-" + (PAST_4G + MARKER.length - 1));
        assertEquals("bytes " + PAST_4G + "-" + (PAST_4G + MARKER.length - 1) + "/" + HUGE, r.header("Content-Range"));
        assertArrayEquals(MARKER, r.body());
        Response tail = get("/huge.bin", "Range: bytes=-" + (1 << 20));
        assertEquals(1 << 20, tail.body().length);
        assertArrayEquals(MARKER, Arrays.copyOfRange(tail.body(), (1 << 20) - MARKER.length, 1 << 20));
        for (int i = 0; i < (1 << 20) - MARKER.length; i++) {
            if (tail.body()[i] != 0) {
                throw new AssertionError("sparse region not zero at " + i);
            }
        }
    }

    // ---- conditionals ----

    @Test
    void ifNoneMatchGives304WithEtagAndNoBody() throws IOException {
        String etag = etagOf(get("/hello.txt"));
        for (String value : List.of(etag, "W/" + etag, "\"other\", " + etag, "*")) {
            Response r = get("/hello.txt", "If-None-Match: " + value);
            assertEquals("HTTP/1.1 304 Not Modified", r.statusLine(), value);
            assertEquals(etag, r.header("ETag"));
            assertNull(r.header("Content-Length"));
            assertEquals(0, r.body().length);
        }
        assertEquals(200, get("/hello.txt", "If-None-Match: \"other\"").status());
    }

    @Test
    void ifMatchIsStrong() throws IOException {
        String etag = etagOf(get("/hello.txt"));
        assertEquals(200, get("/hello.txt", "If-Match: " + etag).status());
        assertEquals(200, get("/hello.txt", "If-Match: *").status());
        assertEquals(412, get("/hello.txt", "If-Match: W/" + etag).status());
        assertEquals(412, get("/hello.txt", "If-Match: \"other\"").status());
    }

    @Test
    void dateConditionals() throws IOException {
        Response first = get("/hello.txt");
        String lastModified = first.header("Last-Modified");
        String past = "Thu, 01 Jan 2015 00:00:00 GMT";
        assertEquals(304, get("/hello.txt", "If-Modified-Since: " + lastModified).status());
        assertEquals(200, get("/hello.txt", "If-Modified-Since: " + past).status());
        assertEquals(200, get("/hello.txt", "If-Modified-Since: not a date").status());
        assertEquals(412, get("/hello.txt", "If-Unmodified-Since: " + past).status());
        assertEquals(200, get("/hello.txt", "If-Unmodified-Since: " + lastModified).status());
        // If-Modified-Since is ignored when If-None-Match is present (RFC 9110 §13.1.3).
        assertEquals(200, get("/hello.txt", "If-None-Match: \"other\"", "If-Modified-Since: " + lastModified).status());
        // If-Match wins over If-Unmodified-Since.
        assertEquals(200, get("/hello.txt", "If-Match: " + etagOf(first), "If-Unmodified-Since: " + past).status());
    }

    @Test
    void ifRangeNeedsTheStrongEtagOrTheExactDate() throws IOException {
        Response first = get("/data.bin");
        String etag = etagOf(first);
        assertEquals(206, get("/data.bin", "Range: bytes=0-9", "If-Range: " + etag).status());
        assertEquals(206, get("/data.bin", "Range: bytes=0-9", "If-Range: " + first.header("Last-Modified")).status());
        Response stale = get("/data.bin", "Range: bytes=0-9", "If-Range: \"old\"");
        assertEquals(200, stale.status());
        assertArrayEquals(data, stale.body());
        assertEquals(200, get("/data.bin", "Range: bytes=0-9", "If-Range: W/" + etag).status());
        assertEquals(200, get("/data.bin", "Range: bytes=0-9", "If-Range: Thu, 01 Jan 2015 00:00:00 GMT").status());
    }

    /**
     * Every field the server reads, on more than one line. A list-valued field reads as its lines joined
     * with ", " (RFC 9110 §5.3): If-Match, If-None-Match, Connection. A singleton field on two lines is
     * invalid: Host and Content-Length make the request 400 (RFC 9112 §3.2, RFC 9110 §8.6); the dates of
     * If-Modified-Since and If-Unmodified-Since are then ignored (§13.1.3, §13.1.4); two If-Range lines are
     * a validator that cannot match, so the Range is ignored (§13.1.5); two Range lines are not a valid
     * range set and are ignored (§14.2). Transfer-Encoding on a GET is 400 however it is written.
     * {etag}, {lm} and {past} stand for the file's ETag, its Last-Modified and an older date.
     */
    Stream<Arguments> repeatedFields() {
        String inm = "If-None-Match: ";
        return Stream.of(
                arguments("HTTP/1.1", "/hello.txt", List.of("Host: a", "Host: b"), 400, "close"),
                arguments("HTTP/1.1", "/hello.txt", List.of("Host: a", "Host: a"), 400, "close"),
                arguments("HTTP/1.0", "/hello.txt", List.of("Host: a", "Host: a"), 400, "close"),
                arguments("HTTP/1.1", "/hello.txt", List.of("Content-Length: 0", "Content-Length: 0"), 400, "close"),
                arguments("HTTP/1.1", "/hello.txt", List.of("Content-Length: 0, 0"), 400, "close"),
                arguments("HTTP/1.1", "/hello.txt", List.of("Transfer-Encoding: gzip", "Transfer-Encoding: chunked"),
                        400, "close"),
                arguments("HTTP/1.1", "/hello.txt", List.of("Connection: keep-alive", "Connection: close"), 200, "close"),
                arguments("HTTP/1.1", "/hello.txt", List.of("Connection: x-custom", "connection: Close"), 200, "close"),
                arguments("HTTP/1.0", "/hello.txt", List.of("Connection: x-custom", "Connection: Keep-Alive"), 200,
                        "keep-alive"),
                arguments("HTTP/1.1", "/hello.txt", List.of("If-Match: \"x\"", "If-Match: {etag}"), 200, null),
                arguments("HTTP/1.1", "/hello.txt", List.of("If-Match: {etag}", "If-Match: \"x\""), 200, null),
                arguments("HTTP/1.1", "/hello.txt", List.of("if-match: \"x\"", "IF-MATCH: \"y\", {etag}"), 200, null),
                arguments("HTTP/1.1", "/hello.txt", List.of("If-Match: \"x\"", "If-Match: \"y\""), 412, null),
                arguments("HTTP/1.1", "/hello.txt", List.of("If-Match: \"x\"", "If-Match: W/{etag}"), 412, null),
                arguments("HTTP/1.1", "/hello.txt", List.of(inm + "\"x\"", inm + "{etag}"), 304, null),
                arguments("HTTP/1.1", "/hello.txt", List.of(inm + "\"x\"", inm + "W/{etag}"), 304, null),
                arguments("HTTP/1.1", "/hello.txt", List.of(inm + "\"x\"", inm + "\"y\""), 200, null),
                arguments("HTTP/1.1", "/hello.txt", List.of(inm + "\"x\"", inm + "\"y\"", "If-Modified-Since: {lm}"),
                        200, null),
                arguments("HTTP/1.1", "/hello.txt", List.of("If-Unmodified-Since: {past}", "If-Unmodified-Since: {lm}"),
                        200, null),
                arguments("HTTP/1.1", "/hello.txt", List.of("If-Unmodified-Since: {past}", "If-Unmodified-Since: {past}"),
                        200, null),
                arguments("HTTP/1.1", "/hello.txt", List.of("If-Modified-Since: {lm}", "If-Modified-Since: {past}"),
                        200, null),
                arguments("HTTP/1.1", "/hello.txt", List.of("If-Modified-Since: {lm}", "If-Modified-Since: {lm}"),
                        200, null),
                arguments("HTTP/1.1", "/data.bin", List.of("Range: bytes=0-9", "Range: bytes=20-29"), 200, null),
                arguments("HTTP/1.1", "/data.bin", List.of("Range: bytes=0-9", "Range: 20-29"), 200, null),
                arguments("HTTP/1.1", "/data.bin", List.of("Range: bytes=0-9", "Range: bytes=0-9"), 200, null),
                arguments("HTTP/1.1", "/data.bin", List.of("Range: bytes=0-9", "If-Range: {etag}", "If-Range: {etag}"),
                        200, null),
                arguments("HTTP/1.1", "/data.bin", List.of("Range: bytes=0-9", "If-Range: {etag}"), 206, null),
                arguments("HTTP/1.1", "/data.bin", List.of("Range: bytes=0-9", "If-Match: \"x\"", "If-Match: {etag}"),
                        206, null));
    }

    @ParameterizedTest
    @MethodSource("repeatedFields")
    void repeatedFieldLinesReadAsTheRfcSays(String version, String path, List<String> lines, int status,
                                             String connection) throws IOException {
        Response plain = get(path);
        String past = "Thu, 01 Jan 2015 00:00:00 GMT";
        StringBuilder request = new StringBuilder("GET " + path + " " + version + "\r\n");
        if (version.equals("HTTP/1.1") && lines.stream().noneMatch(l -> l.regionMatches(true, 0, "Host:", 0, 5))) {
            request.append("Host: test\r\n");
        }
        for (String line : lines) {
            request.append(line.replace("{etag}", etagOf(plain)).replace("{lm}", plain.header("Last-Modified"))
                    .replace("{past}", past)).append("\r\n");
        }
        String sent = request.append("\r\n").toString();
        try (RawHttp http = new RawHttp(port)) {
            Response r = http.exchange(sent);
            assertEquals(status, r.status(), sent);
            assertEquals(connection, r.header("Connection"), sent);
            switch (status) {
                case 200 -> assertArrayEquals(plain.body(), r.body(), sent);
                case 206 -> assertArrayEquals(Arrays.copyOfRange(plain.body(), 0, 10), r.body(), sent);
                case 304 -> assertEquals(0, r.body().length, sent);
                default -> {
                }
            }
            if ("close".equals(connection)) {
                assertTrue(http.closedByServer(2000), "closed after: " + sent);
            } else {
                Response next = http.exchange("GET /hello.txt " + version + "\r\nHost: test\r\n"
                        + ("keep-alive".equals(connection) ? "Connection: keep-alive\r\n" : "") + "\r\n");
                assertEquals(HELLO, next.bodyText(), "still open after: " + sent);
            }
        }
    }

    // ---- connections ----

    @Test
    void keepAliveAndPipelinedRequestsAreAnsweredInOrder() throws IOException {
        try (RawHttp http = new RawHttp(port)) {
            http.send("GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n"
                    + "GET /data.bin HTTP/1.1\r\nHost: t\r\nRange: bytes=0-4\r\n\r\n"
                    + "GET /missing HTTP/1.1\r\nHost: t\r\n\r\n"
                    + "HEAD /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n"
                    + "GET /docs/ HTTP/1.1\r\nHost: t\r\n\r\n");
            assertEquals(HELLO, http.read().bodyText());
            assertArrayEquals(Arrays.copyOfRange(data, 0, 5), http.read().body());
            assertEquals(404, http.read().status());
            assertEquals("13", http.readHead().header("Content-Length"));
            assertEquals("<h1>docs</h1>\n", http.read().bodyText());
            assertFalse(http.closedByServer(200), "keep-alive connection stays open");
        }
    }

    @Test
    void manyPipelinedRequestsInOneWrite() throws IOException {
        try (RawHttp http = new RawHttp(port)) {
            http.send("GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n".repeat(200));
            for (int i = 0; i < 200; i++) {
                assertEquals(HELLO, http.read().bodyText(), "response " + i);
            }
        }
    }

    @Test
    void connectionCloseIsHonoured() throws IOException {
        try (RawHttp http = new RawHttp(port)) {
            Response r = http.exchange("GET /hello.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
            assertEquals(HELLO, r.bodyText());
            assertEquals("close", r.header("Connection"));
            assertTrue(http.closedByServer(2000));
        }
    }

    @Test
    void http10ClosesUnlessItAskedForKeepAlive() throws IOException {
        try (RawHttp http = new RawHttp(port)) {
            Response r = http.exchange("GET /hello.txt HTTP/1.0\r\n\r\n");
            assertEquals("HTTP/1.1 200 OK", r.statusLine());
            assertEquals(HELLO, r.bodyText());
            assertEquals("close", r.header("Connection"));
            assertTrue(http.closedByServer(2000));
        }
        try (RawHttp http = new RawHttp(port)) {
            Response r = http.exchange("GET /hello.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
            assertEquals("keep-alive", r.header("Connection"));
            assertEquals(HELLO, http.exchange("GET /hello.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").bodyText());
        }
    }

    /**
     * Every kind of response on an HTTP/1.0 connection says what becomes of it (RFC 9112 §9.3): with
     * keep-alive asked for, each says keep-alive and the connection takes the next request; without, each
     * says close and the connection closes. A 1.0 client that is not told keep-alive waits for the close.
     */
    Stream<Arguments> http10Responses() {
        return Stream.of(
                arguments("GET /hello.txt", 200),
                arguments("HEAD /hello.txt", 200),
                arguments("GET /hello.txt|If-None-Match: *", 304),
                arguments("GET /hello.txt|If-Match: \"x\"", 412),
                arguments("GET /data.bin|Range: bytes=0-9", 206),
                arguments("GET /data.bin|Range: bytes=0-9,20-29", 206),
                arguments("GET /data.bin|Range: bytes=100000-", 416),
                arguments("GET /missing.txt", 404),
                arguments("HEAD /missing.txt", 404),
                arguments("GET /docs", 301),
                arguments("HEAD /docs", 301),
                arguments("GET /%zz", 400),
                arguments("DELETE /hello.txt", 405),
                arguments("BREW /hello.txt", 501));
    }

    @ParameterizedTest
    @MethodSource("http10Responses")
    void http10ResponsesAllSayWhetherTheConnectionStays(String request, int status) throws IOException {
        String[] parts = request.split("\\|");
        String extra = parts.length > 1 ? parts[1] + "\r\n" : "";
        boolean head = parts[0].startsWith("HEAD");
        try (RawHttp http = new RawHttp(port)) {
            http.send(parts[0] + " HTTP/1.0\r\nConnection: keep-alive\r\n" + extra + "\r\n");
            Response r = head ? http.readHead() : http.read();
            assertEquals(status, r.status(), request);
            assertEquals("keep-alive", r.header("Connection"), request);
            Response next = http.exchange("GET /hello.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
            assertEquals(HELLO, next.bodyText(), "the connection stayed after " + request);
            assertEquals("keep-alive", next.header("Connection"));
        }
        try (RawHttp http = new RawHttp(port)) {
            http.send(parts[0] + " HTTP/1.0\r\n" + extra + "\r\n");
            Response r = head ? http.readHead() : http.read();
            assertEquals(status, r.status(), request);
            assertEquals("close", r.header("Connection"), request);
            assertTrue(http.closedByServer(2000), "closed after " + request);
        }
    }

    // ---- directories and paths ----

    @Test
    void directories() throws IOException {
        Response redirect = get("/docs");
        assertEquals("HTTP/1.1 301 Moved Permanently", redirect.statusLine());
        assertEquals("/docs/", redirect.header("Location"));
        assertEquals("/docs/?a=1", get("/docs?a=1").header("Location"));
        Response index = get("/docs/");
        assertEquals(200, index.status());
        assertEquals("<h1>docs</h1>\n", index.bodyText());
        assertEquals(404, get("/noindex/").status());
        assertEquals(404, get("/hello.txt/").status());
    }

    /**
     * The Location of a redirect is built from the resolved path, never echoed: one leading '/', dot segments
     * and empty segments gone, each segment percent-encoded again from its decoded form (UTF-8, upper-case hex),
     * and the query kept with whatever is not a query character encoded. A Location of "//host/..." would send
     * browsers, and every cache that keeps the 301, to another host.
     */
    Stream<Arguments> redirects() {
        return Stream.of(
                arguments("//attacker.example/../docs", "/docs/"),
                arguments("//docs", "/docs/"),
                arguments("///docs", "/docs/"),
                arguments("/./docs", "/docs/"),
                arguments("/docs/../docs", "/docs/"),
                arguments("/noindex/./../docs", "/docs/"),
                arguments("/%64ocs", "/docs/"),
                arguments("/sp%20ace", "/sp%20ace/"),
                arguments("/caf%c3%a9", "/caf%C3%A9/"),
                arguments("/a%23b%3fc", "/a%23b%3Fc/"),
                arguments("/100%25", "/100%25/"),
                arguments("/semi;colon", "/semi;colon/"),
                arguments("/semi%3Bcolon", "/semi;colon/"),
                arguments("//attacker.example/../docs?a=1", "/docs/?a=1"),
                arguments("/docs?next=%2Fx%2f", "/docs/?next=%2Fx%2f"),
                arguments("/docs?a=/b?c:d@e!$&'()*+,;=", "/docs/?a=/b?c:d@e!$&'()*+,;="),
                arguments("/docs?q=\"<>\\^`{|}", "/docs/?q=%22%3C%3E%5C%5E%60%7B%7C%7D"),
                arguments("/docs?bad=%zz%4", "/docs/?bad=%25zz%254"),
                arguments("/docs?", "/docs/?"),
                arguments("/docs?a=1#//attacker.example", "/docs/?a=1"),
                arguments("/docs#frag", "/docs/"),
                arguments("http://attacker.example//attacker.example/../docs", "/docs/"));
    }

    @ParameterizedTest
    @MethodSource("redirects")
    void redirectLocationIsTheNormalisedPathReEncoded(String target, String location) throws IOException {
        Response r = raw("GET " + target + " HTTP/1.1\r\nHost: test\r\n\r\n");
        assertEquals("HTTP/1.1 301 Moved Permanently", r.statusLine(), target);
        assertEquals(location, r.header("Location"), target);
        assertEquals("301 Moved Permanently\n", r.bodyText(), target);
        try (RawHttp http = new RawHttp(port)) {
            Response head = http.send("HEAD " + target + " HTTP/1.1\r\nHost: test\r\n\r\n").readHead();
            assertEquals(location, head.header("Location"), "HEAD " + target);
        }
    }

    @Test
    void pathsThatTryToLeaveTheRootNeverReachAFile() throws IOException {
        for (String path : List.of("/../outside/passwd", "/docs/../../outside/passwd", "/%2e%2e/outside/passwd",
                "/..%2foutside%2fpasswd", "/docs%2f..%2f..%2foutside/passwd", "/..%5coutside%5cpasswd",
                "/hello.txt%00.html", "/%c0%ae%c0%ae/outside/passwd", "/%zz")) {
            Response r = get(path);
            assertEquals(400, r.status(), path);
            assertFalse(r.bodyText().contains("outside the root"), path);
        }
        assertEquals(HELLO, get("/docs/../hello.txt").bodyText(), "dot segments inside the root resolve");
        assertEquals(400, raw("GET http://test/../outside/passwd HTTP/1.1\r\nHost: test\r\n\r\n").status());
    }

    @Test
    void symlinksAreFollowedOnlyInsideTheRoot() throws IOException {
        assertEquals(HELLO, get("/alias.txt").bodyText());
        assertEquals(404, get("/escape.txt").status());
        assertEquals(404, get("/escape-dir/passwd").status());
    }

    @Test
    void dotfilesAreHidden() throws IOException {
        assertEquals(404, get("/.secret").status());
        assertEquals(404, get("/.hidden/inner.txt").status());
        assertEquals(404, get("/%2esecret").status());
    }

    @Test
    void absoluteFormTarget() throws IOException {
        Response r = raw("GET http://example.com/hello.txt HTTP/1.1\r\nHost: example.com\r\n\r\n");
        assertEquals(HELLO, r.bodyText());
    }

    // ---- malformed requests and limits ----

    @Test
    void requestsRfc9112SaysToReject() throws IOException {
        List<String> bad = List.of(
                "GET /hello.txt HTTP/1.1\r\n\r\n",
                "GET /hello.txt HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
                "GET /hello.txt HTTP/1.1\r\nHost : a\r\n\r\n",
                "GET /hello.txt HTTP/1.1\r\nHost: a\r\nX-Folded: one\r\n two\r\n\r\n",
                "GET /hello.txt HTTP/1.1\r\nHost: a\r\nX-Bad: a\u0001b\r\n\r\n",
                "GET  /hello.txt HTTP/1.1\r\nHost: a\r\n\r\n",
                "GET /hello.txt\r\nHost: a\r\n\r\n",
                "GET /hello.txt HTTP/1.1\nHost: a\n\n",
                "GET /hello.txt HTTP/1.1\r\nHost: a b\r\n\r\n",
                "GET /hel lo.txt HTTP/1.1\r\nHost: a\r\n\r\n",
                "G(T /hello.txt HTTP/1.1\r\nHost: a\r\n\r\n",
                "GET hello.txt HTTP/1.1\r\nHost: a\r\n\r\n");
        for (String request : bad) {
            try (RawHttp http = new RawHttp(port)) {
                Response r = http.exchange(request);
                assertEquals("HTTP/1.1 400 Bad Request", r.statusLine(), request);
                assertEquals("close", r.header("Connection"), request);
                assertTrue(http.closedByServer(2000), request);
            }
        }
    }

    @Test
    void unsupportedVersionGets505() throws IOException {
        assertEquals(505, raw("GET /hello.txt HTTP/2.0\r\nHost: a\r\n\r\n").status());
    }

    @Test
    void smugglingAttemptsGet400AndTheHiddenRequestIsNeverAnswered() throws IOException {
        String hidden = "GET /hello.txt HTTP/1.1\r\nHost: a\r\n\r\n";
        List<String> attempts = List.of(
                "GET /hello.txt HTTP/1.1\r\nHost: a\r\nContent-Length: " + hidden.length()
                        + "\r\nTransfer-Encoding: chunked\r\n\r\n" + hidden,
                "GET /hello.txt HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n",
                "GET /hello.txt HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n",
                "GET /hello.txt HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n",
                "GET /hello.txt HTTP/1.1\r\nHost: a\r\nContent-Length: " + hidden.length() + "\r\n\r\n" + hidden,
                "GET /hello.txt HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + hidden);
        for (String attempt : attempts) {
            try (RawHttp http = new RawHttp(port)) {
                Response r = http.exchange(attempt);
                assertEquals(400, r.status(), attempt);
                assertTrue(http.closedByServer(2000), "closed after: " + attempt);
            }
        }
    }

    @Test
    void limitsOnRequestLineAndHeaders() throws IOException {
        Response longLine = raw("GET /" + "a".repeat(9000) + " HTTP/1.1\r\nHost: a\r\n\r\n");
        assertEquals("HTTP/1.1 414 URI Too Long", longLine.statusLine());
        Response bigHeaders = raw("GET /hello.txt HTTP/1.1\r\nHost: a\r\nX-Big: " + "b".repeat(17_000) + "\r\n\r\n");
        assertEquals(431, bigHeaders.status());
        StringBuilder many = new StringBuilder("GET /hello.txt HTTP/1.1\r\nHost: a\r\n");
        for (int i = 0; i < 101; i++) {
            many.append("X-H").append(i).append(": v\r\n");
        }
        assertEquals(431, raw(many.append("\r\n").toString()).status());
        // Just under the limits is fine.
        assertEquals(404, raw("GET /" + "a".repeat(8000) + " HTTP/1.1\r\nHost: a\r\n\r\n").status());
    }

    @Test
    void slowRequestHeadsTimeOutWith408() throws Exception {
        ServerConfig quick = config().withLimits(HttpLimits.DEFAULTS.withTimeouts(Duration.ofMillis(300),
                Duration.ofMillis(600)));
        ZeroedgeServer slow = ZeroedgeServer.start(quick, transport());
        try (RawHttp http = new RawHttp(slow.port())) {
            http.send("GET /hello.txt HTTP/1.1\r\nHost: a\r\n");
            Response r = http.read();
            assertEquals("HTTP/1.1 408 Request Timeout", r.statusLine());
            assertTrue(http.closedByServer(2000));
        }
        try (RawHttp http = new RawHttp(slow.port())) {
            assertEquals(HELLO, http.exchange("GET /hello.txt HTTP/1.1\r\nHost: a\r\n\r\n").bodyText());
            assertTrue(http.closedByServer(3000), "idle keep-alive connection closed after the idle timeout");
        } finally {
            slow.shutdown(Duration.ofSeconds(1));
        }
    }

    /**
     * An empty line before a request line is ignored (RFC 9112 §2.2) and leaves the connection idle: the
     * header timeout does not start (no 408), and the idle timeout keeps counting from where it was, so
     * empty lines cannot keep a connection open. A third empty line in a row is refused (400 and close),
     * so they cannot make the server work without end either.
     */
    @Test
    void emptyLinesBeforeARequestLeaveTheConnectionIdle() throws Exception {
        ServerConfig quick = config().withLimits(HttpLimits.DEFAULTS.withTimeouts(Duration.ofMillis(200),
                Duration.ofMillis(1500)));
        ZeroedgeServer idle = ZeroedgeServer.start(quick, transport());
        try {
            try (RawHttp http = new RawHttp(idle.port())) {
                http.send("\r\n");
                Thread.sleep(600); // three header timeouts
                Response r = http.exchange("GET /hello.txt HTTP/1.1\r\nHost: a\r\n\r\n");
                assertEquals("HTTP/1.1 200 OK", r.statusLine());
                assertEquals(HELLO, r.bodyText());
                http.send("\r\n");
                Thread.sleep(600);
                assertEquals(HELLO, http.exchange("GET /hello.txt HTTP/1.1\r\nHost: a\r\n\r\n").bodyText(),
                        "an empty line after a response is idle too");
            }
            try (RawHttp http = new RawHttp(idle.port())) {
                Thread.sleep(900);
                http.send("\r\n");
                // The idle timeout ends 1500 ms after the connection opened, 600 ms from now; had the empty
                // line restarted it, 1500 ms from now. No 408 comes first: closed without a byte.
                assertTrue(http.closedByServer(1200), "closed silently when the idle time that began before the "
                        + "empty line ran out");
            }
            try (RawHttp http = new RawHttp(idle.port())) {
                Response r = http.exchange("\r\n\r\n\r\nGET /hello.txt HTTP/1.1\r\nHost: a\r\n\r\n");
                assertEquals("HTTP/1.1 400 Bad Request", r.statusLine());
                assertTrue(http.closedByServer(2000));
            }
        } finally {
            idle.shutdown(Duration.ofSeconds(1));
        }
    }

    @Test
    void connectionsOverTheLimitGet503() throws Exception {
        ServerConfig tiny = config().withLimits(new HttpLimits(8192, 16384, 100, Duration.ofSeconds(10),
                Duration.ofSeconds(60), Duration.ofSeconds(60), 2, 16));
        ZeroedgeServer limited = ZeroedgeServer.start(tiny, transport());
        try (RawHttp a = new RawHttp(limited.port()); RawHttp b = new RawHttp(limited.port())) {
            assertEquals(HELLO, a.exchange("GET /hello.txt HTTP/1.1\r\nHost: a\r\n\r\n").bodyText());
            assertEquals(HELLO, b.exchange("GET /hello.txt HTTP/1.1\r\nHost: a\r\n\r\n").bodyText());
            try (RawHttp c = new RawHttp(limited.port())) {
                Response r = c.read();
                assertEquals("HTTP/1.1 503 Service Unavailable", r.statusLine());
                assertEquals("1", r.header("Retry-After"));
            }
        } finally {
            limited.shutdown(Duration.ofSeconds(1));
        }
    }

    @Test
    void aReplacedFileIsNeverServedWithAnotherFilesValidators() throws Exception {
        Path file = root.resolve("changing.txt");
        Files.writeString(file, "first version\n");
        Response first = get("/changing.txt");
        assertEquals("first version\n", first.bodyText());
        assertConsistent(first);
        // Replace it the way publishers do: write elsewhere, rename over.
        Path next = root.resolve("changing.txt.tmp");
        Files.writeString(next, "the second, longer version\n");
        Files.move(next, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        Response soon = get("/changing.txt");
        assertConsistent(soon);
        // Past twice the validity a name is checked before it answers (within it, behind the old file).
        Thread.sleep(2 * server.config().openFileCacheValid().toMillis() + 200);
        Response later = get("/changing.txt");
        assertEquals("the second, longer version\n", later.bodyText());
        assertConsistent(later);
        assertFalse(first.header("ETag").equals(later.header("ETag")));
        Files.delete(file);
        Thread.sleep(2 * server.config().openFileCacheValid().toMillis() + 200);
        assertEquals(404, get("/changing.txt").status());
    }

    /** The ETag starts with the length in hex: a body of another length under it would be another file's. */
    private static void assertConsistent(Response r) {
        String etag = r.header("ETag");
        long tagged = Long.parseLong(etag.substring(1, etag.indexOf('-')), 16);
        assertEquals(tagged, r.body().length, "ETag " + etag + " describes the body sent");
    }

    // ---- aborted downloads ----

    @Test
    void clientsThatAbortMidDownloadLeaveNothingBehind() throws Exception {
        assertEquals(HELLO, get("/hello.txt").bodyText());
        // The open-file cache keeps one descriptor of big.bin by design; open it before counting.
        assertEquals(1, get("/big.bin", "Range: bytes=0-0").body().length);
        int baseline = OpenDescriptors.count();
        ExecutorService clients = Executors.newFixedThreadPool(10);
        try {
            List<Future<Integer>> downloads = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                int stopAfter = (1 + i % 7) * 256 * 1024;
                downloads.add(clients.submit(() -> {
                    try (RawHttp http = new RawHttp(port)) {
                        http.socket().setReceiveBufferSize(64 * 1024);
                        http.send("GET /big.bin HTTP/1.1\r\nHost: a\r\n\r\n");
                        InputStream in = http.input();
                        byte[] chunk = new byte[16 * 1024];
                        int read = 0;
                        while (read < stopAfter) {
                            int n = in.read(chunk);
                            if (n < 0) {
                                break;
                            }
                            read += n;
                        }
                        http.socket().setSoLinger(true, 0); // abort with RST, like a player seeking away
                        return read;
                    }
                }));
            }
            for (Future<Integer> download : downloads) {
                assertTrue(download.get() > 0);
            }
        } finally {
            clients.shutdownNow();
        }
        int after = OpenDescriptors.awaitAtMost(baseline, 10_000);
        assertTrue(after <= baseline, "descriptors back to " + baseline + ", but " + after + " are open");
        assertEquals(HELLO, get("/hello.txt").bodyText(), "still answering");
    }

    @Test
    void wholeLargeFileArrivesIntact() throws IOException {
        try (RawHttp http = new RawHttp(port)) {
            http.send("GET /big.bin HTTP/1.1\r\nHost: a\r\n\r\n");
            Response r = http.readHead();
            assertEquals(Integer.toString(BIG), r.header("Content-Length"));
            byte[] chunk = new byte[1 << 16];
            long total = 0;
            while (total < BIG) {
                int n = http.input().read(chunk, 0, (int) Math.min(chunk.length, BIG - total));
                assertTrue(n > 0, "body ended early at " + total);
                for (int i = 0; i < n; i++) {
                    if (chunk[i] != 0) {
                        throw new AssertionError("non-zero byte at " + (total + i));
                    }
                }
                total += n;
            }
            assertEquals(HELLO, http.exchange("GET /hello.txt HTTP/1.1\r\nHost: a\r\n\r\n").bodyText());
        }
    }
}
