package dev.zeroedge.http;

import dev.zeroedge.mode.Mode;
import dev.zeroedge.server.ServerConfig;
import dev.zeroedge.server.ZeroedgeServer;
import dev.zeroedge.testing.LeakRecorder;
import dev.zeroedge.testing.OpenDescriptors;
import dev.zeroedge.testing.RawHttp;
import dev.zeroedge.testing.RawHttp.Response;
import dev.zeroedge.transport.Transport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import io.netty.handler.codec.http.HttpResponseStatus;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ladder after the content source knows no source: a second one ({@link MappedSource}: request paths
 * mapped to files outside any document root, its own ETags, Last-Modified and a field of its own, answered
 * later from the file-system threads) gets ranges, multipart ranges, every conditional, HEAD and the mode's
 * sender exactly right. Runs in every mode with inline bodies off, so each body goes through that mode's
 * sender; the body of {@code /big} is cut into several slices.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class ContentSourceSuite {

    private static final String ETAG = "\"m-1\"";
    private static final String LAST_MODIFIED = "Sun, 06 Nov 1994 08:49:37 GMT";
    private static final long LAST_MODIFIED_SECONDS = 784_111_777L;

    private Path elsewhere;
    private ZeroedgeServer server;
    private byte[] clip;
    private byte[] big;

    protected abstract Transport transport();

    @BeforeAll
    void start() throws IOException {
        Transport transport = transport();
        if (System.getProperty("os.name").toLowerCase().contains("linux") || transport.mode() == Mode.NIO_SENDFILE) {
            transport.availability().ensureAvailable();
        }
        elsewhere = Files.createTempDirectory("zeroedge-mapped");
        Path emptyRoot = Files.createDirectory(elsewhere.resolve("unused-root"));
        clip = bytes(100_000, 7);
        big = bytes(5 * 1024 * 1024 + 123, 13);
        Files.write(elsewhere.resolve("stored-clip"), clip);
        Files.write(elsewhere.resolve("stored-big"), big);
        Files.writeString(elsewhere.resolve("stored-plain"), "no validators\n");
        Map<String, MappedSource.Entry> table = Map.of(
                "/clip.mp4", new MappedSource.Entry(elsewhere.resolve("stored-clip"), "video/mp4", ETAG, LAST_MODIFIED,
                        LAST_MODIFIED_SECONDS),
                "/big", new MappedSource.Entry(elsewhere.resolve("stored-big"), "application/octet-stream", "\"m-2\"",
                        LAST_MODIFIED, LAST_MODIFIED_SECONDS),
                "/plain", new MappedSource.Entry(elsewhere.resolve("stored-plain"), "text/plain", null, null, -1),
                "/gone", new MappedSource.Entry(elsewhere.resolve("stored-clip"), "text/html", "\"g-1\"",
                        LAST_MODIFIED, LAST_MODIFIED_SECONDS, HttpResponseStatus.GONE, MappedSource.Body.FILE),
                "/relayed", new MappedSource.Entry(elsewhere.resolve("stored-big"), "application/octet-stream",
                        "\"r-1\"", LAST_MODIFIED, LAST_MODIFIED_SECONDS, HttpResponseStatus.OK,
                        MappedSource.Body.RELAYED),
                "/relayed-404", new MappedSource.Entry(elsewhere.resolve("stored-plain"), "text/plain", null, null,
                        -1, HttpResponseStatus.NOT_FOUND, MappedSource.Body.RELAYED),
                "/relayed-chunked", new MappedSource.Entry(elsewhere.resolve("stored-clip"), "video/mp4", null, null,
                        -1, HttpResponseStatus.OK, MappedSource.Body.RELAYED_OF_UNKNOWN_LENGTH),
                "/relayed-cut", new MappedSource.Entry(elsewhere.resolve("stored-clip"), "video/mp4", null, null,
                        -1, HttpResponseStatus.OK, MappedSource.Body.RELAYED_CUT_SHORT));
        ServerConfig config = ServerConfig.of(emptyRoot, new InetSocketAddress("127.0.0.1", 0))
                .withGracePeriod(Duration.ofSeconds(2)).withInlineBodyMax(0).withMaxSlice(1024 * 1024)
                .withEventLoops(1);
        server = ZeroedgeServer.start(config, transport, (c, opener, pool) -> new MappedSource(table, pool));
    }

    @AfterAll
    void stop() throws Exception {
        server.shutdown(Duration.ofSeconds(2));
        try (Stream<Path> walk = Files.walk(elsewhere)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
        assertEquals(List.of(), LeakRecorder.collect(), "Netty buffers leaked");
    }

    private static byte[] bytes(int length, int seed) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (i * seed + i / 251);
        }
        return b;
    }

    private Response request(String method, String path, String... headers) throws IOException {
        try (RawHttp http = new RawHttp(server.port())) {
            http.send(method + " " + path + " HTTP/1.1\r\nHost: test\r\n"
                    + String.join("", Arrays.stream(headers).map(h -> h + "\r\n").toList()) + "\r\n");
            return method.equals("HEAD") ? http.readHead() : http.read();
        }
    }

    private static void assertSourceFields(Response r) {
        assertEquals(MappedSource.VALUE, r.header(MappedSource.FIELD), "the source's own field");
    }

    @Test
    void wholeRepresentationWithTheSourcesFieldsAndValidators() throws IOException {
        Response r = request("GET", "/clip.mp4");
        assertEquals("HTTP/1.1 200 OK", r.statusLine());
        assertEquals("video/mp4", r.header("Content-Type"));
        assertEquals("100000", r.header("Content-Length"));
        assertEquals(ETAG, r.header("ETag"));
        assertEquals(LAST_MODIFIED, r.header("Last-Modified"));
        assertEquals("bytes", r.header("Accept-Ranges"));
        assertSourceFields(r);
        assertArrayEquals(clip, r.body());
    }

    @Test
    void headHasTheFieldsOfGetAndNoBody() throws IOException {
        try (RawHttp http = new RawHttp(server.port())) {
            Response head = http.send("HEAD /clip.mp4 HTTP/1.1\r\nHost: test\r\n\r\n").readHead();
            assertEquals(200, head.status());
            assertEquals("100000", head.header("Content-Length"));
            assertEquals(ETAG, head.header("ETag"));
            assertSourceFields(head);
            // The next response on the connection starts right after the head: no body was sent.
            Response next = http.exchange("GET /plain HTTP/1.1\r\nHost: test\r\n\r\n");
            assertEquals("no validators\n", next.bodyText());
        }
    }

    @Test
    void oneRangeIsPartialContentWithExactBytes() throws IOException {
        Response r = request("GET", "/clip.mp4", "Range: bytes=1000-1999");
        assertEquals("HTTP/1.1 206 Partial Content", r.statusLine());
        assertEquals("bytes 1000-1999/100000", r.header("Content-Range"));
        assertSourceFields(r);
        assertArrayEquals(Arrays.copyOfRange(clip, 1000, 2000), r.body());
    }

    @Test
    void severalRangesAreMultipartByteranges() throws IOException {
        Response r = request("GET", "/clip.mp4", "Range: bytes=0-9,500-509,-5");
        assertEquals(206, r.status());
        String type = r.header("Content-Type");
        assertTrue(type.startsWith("multipart/byteranges; boundary="), type);
        assertEquals(Integer.toString(r.body().length), r.header("Content-Length"));
        List<byte[]> parts = MultipartParts.parse(r.body(), type.substring(type.indexOf('=') + 1), List.of(
                "bytes 0-9/100000", "bytes 500-509/100000", "bytes 99995-99999/100000"), "video/mp4");
        assertArrayEquals(Arrays.copyOfRange(clip, 0, 10), parts.get(0));
        assertArrayEquals(Arrays.copyOfRange(clip, 500, 510), parts.get(1));
        assertArrayEquals(Arrays.copyOfRange(clip, 99_995, 100_000), parts.get(2));
    }

    @Test
    void unsatisfiableRangeIs416WithTheLength() throws IOException {
        Response r = request("GET", "/clip.mp4", "Range: bytes=200000-");
        assertEquals("HTTP/1.1 416 Range Not Satisfiable", r.statusLine());
        assertEquals("bytes */100000", r.header("Content-Range"));
    }

    @Test
    void matchingIfNoneMatchIs304WithValidatorsAndTheSourcesFields() throws IOException {
        Response r = request("GET", "/clip.mp4", "If-None-Match: \"x\", " + ETAG);
        assertEquals("HTTP/1.1 304 Not Modified", r.statusLine());
        assertEquals(ETAG, r.header("ETag"));
        assertEquals(LAST_MODIFIED, r.header("Last-Modified"));
        assertSourceFields(r);
        assertNull(r.header("Content-Length"));
        assertEquals(0, r.body().length);
    }

    @Test
    void ifModifiedSinceTheSourcesDateIs304() throws IOException {
        assertEquals(304, request("GET", "/clip.mp4", "If-Modified-Since: " + LAST_MODIFIED).status());
        assertEquals(200, request("GET", "/clip.mp4", "If-Modified-Since: Sat, 05 Nov 1994 08:49:37 GMT").status());
    }

    @Test
    void failedIfMatchIs412() throws IOException {
        assertEquals(412, request("GET", "/clip.mp4", "If-Match: \"m-0\"").status());
        assertEquals(200, request("GET", "/clip.mp4", "If-Match: " + ETAG).status());
    }

    @Test
    void ifRangeWithAnotherTagSendsTheWholeRepresentation() throws IOException {
        Response stale = request("GET", "/clip.mp4", "Range: bytes=0-9", "If-Range: \"m-0\"");
        assertEquals(200, stale.status());
        assertArrayEquals(clip, stale.body());
        Response current = request("GET", "/clip.mp4", "Range: bytes=0-9", "If-Range: " + ETAG);
        assertEquals(206, current.status());
        assertArrayEquals(Arrays.copyOfRange(clip, 0, 10), current.body());
    }

    @Test
    void withoutValidatorsDateConditionsAreIgnoredAndTagsNeverMatch() throws IOException {
        Response r = request("GET", "/plain", "If-Modified-Since: Sun, 06 Nov 2094 08:49:37 GMT");
        assertEquals(200, r.status());
        assertNull(r.header("ETag"));
        assertNull(r.header("Last-Modified"));
        assertEquals(412, request("GET", "/plain", "If-Match: \"m-1\"").status());
        assertEquals(200, request("GET", "/plain", "If-Match: *").status());
    }

    @Test
    void aBodyOfSeveralSlicesGoesOutWhole() throws IOException {
        Response r = request("GET", "/big");
        assertEquals(200, r.status());
        assertArrayEquals(big, r.body());
        Response tail = request("GET", "/big", "Range: bytes=3000000-");
        assertEquals(206, tail.status());
        assertArrayEquals(Arrays.copyOfRange(big, 3_000_000, big.length), tail.body());
    }

    @Test
    void whatTheSourceRefusesIsItsStatus() throws IOException {
        Response r = request("GET", "/not-mapped");
        assertEquals("HTTP/1.1 404 Not Found", r.statusLine());
        assertEquals("404 Not Found: not in the table\n", r.bodyText());
        assertEquals(405, request("DELETE", "/clip.mp4").status());
    }

    @Test
    void nothingStaysOpenAfterTheResponses() throws Exception {
        assertEquals(200, request("GET", "/clip.mp4").status());
        int before = OpenDescriptors.awaitAtMost(0, 200);
        for (int i = 0; i < 5; i++) {
            assertEquals(200, request("GET", "/clip.mp4").status());
            assertEquals(206, request("GET", "/big", "Range: bytes=10-20,30-40").status());
        }
        int after = OpenDescriptors.awaitAtMost(before, 5_000);
        assertTrue(after <= before, "descriptors of the mapped files are closed after their responses: "
                + before + " before, " + after + " after");
    }

    @Test
    void aStatusOtherThan200IsSentWholeWhateverTheRangeOrTheConditional() throws IOException {
        for (String[] asked : new String[][] {{}, {"Range: bytes=0-9"}, {"If-None-Match: \"g-1\""}}) {
            Response r = request("GET", "/gone", asked);
            assertEquals("HTTP/1.1 410 Gone", r.statusLine(), Arrays.toString(asked));
            assertEquals("text/html", r.header("Content-Type"));
            assertEquals("100000", r.header("Content-Length"));
            assertEquals("\"g-1\"", r.header("ETag"));
            assertNull(r.header("Accept-Ranges"), "ranges are a 200's");
            assertNull(r.header("Content-Range"));
            assertSourceFields(r);
            assertArrayEquals(clip, r.body());
        }
        try (RawHttp http = new RawHttp(server.port())) {
            Response head = http.send("HEAD /gone HTTP/1.1\r\nHost: test\r\n\r\n").readHead();
            assertEquals("HTTP/1.1 410 Gone", head.statusLine());
            assertEquals("100000", head.header("Content-Length"));
            assertEquals("no validators\n", http.exchange("GET /plain HTTP/1.1\r\nHost: test\r\n\r\n").bodyText());
        }
    }

    @Test
    void aRelayedBodyClimbsTheLadderButForRanges() throws Exception {
        Response whole = request("GET", "/relayed");
        assertEquals("HTTP/1.1 200 OK", whole.statusLine());
        assertEquals(Integer.toString(big.length), whole.header("Content-Length"));
        assertEquals("\"r-1\"", whole.header("ETag"));
        assertNull(whole.header("Accept-Ranges"), "a body read once from its start offers no ranges");
        assertSourceFields(whole);
        assertArrayEquals(big, whole.body());

        Response ranged = request("GET", "/relayed", "Range: bytes=0-9");
        assertEquals(200, ranged.status());
        assertArrayEquals(big, ranged.body());
        Response notModified = request("GET", "/relayed", "If-None-Match: \"r-1\"");
        assertEquals("HTTP/1.1 304 Not Modified", notModified.statusLine());
        assertSourceFields(notModified);
        assertEquals(412, request("GET", "/relayed", "If-Match: \"other\"").status());

        Response notFound = request("GET", "/relayed-404", "If-None-Match: *");
        assertEquals("HTTP/1.1 404 Not Found", notFound.statusLine());
        assertEquals("no validators\n", notFound.bodyText());
        assertSourceFields(notFound);

        try (RawHttp http = new RawHttp(server.port())) {
            Response head = http.send("HEAD /relayed HTTP/1.1\r\nHost: test\r\n\r\n").readHead();
            assertEquals(Integer.toString(big.length), head.header("Content-Length"));
            assertEquals("no validators\n", http.exchange("GET /plain HTTP/1.1\r\nHost: test\r\n\r\n").bodyText());
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (RelayedBytes.OPEN.get() != 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(0, RelayedBytes.OPEN.get(), "every relayed body ended or was cancelled (a 304, a 412, a HEAD)");
    }

    @Test
    void aRelayedBodyOfUnknownLengthIsChunkedToHttp11AndEndsWithTheConnectionForHttp10() throws IOException {
        try (RawHttp http = new RawHttp(server.port())) {
            Response chunked = http.exchange("GET /relayed-chunked HTTP/1.1\r\nHost: test\r\n\r\n");
            assertEquals("chunked", chunked.header("Transfer-Encoding"));
            assertNull(chunked.header("Content-Length"));
            assertArrayEquals(clip, chunked.body());
            assertEquals("no validators\n", http.exchange("GET /plain HTTP/1.1\r\nHost: test\r\n\r\n").bodyText());
        }
        try (RawHttp old = new RawHttp(server.port())) {
            Response r = old.exchange("GET /relayed-chunked HTTP/1.0\r\nHost: test\r\n\r\n");
            assertEquals("close", r.header("Connection"));
            assertNull(r.header("Transfer-Encoding"));
            assertArrayEquals(clip, r.body());
        }
    }

    @Test
    void aRelayedBodyThatBreaksOffClosesTheConnectionBeforeItsEnd() throws IOException {
        try (RawHttp http = new RawHttp(server.port())) {
            Response head = http.send("GET /relayed-cut HTTP/1.1\r\nHost: test\r\n\r\n").readHead();
            assertEquals("100000", head.header("Content-Length"));
            byte[] rest = http.input().readAllBytes();
            // Some of the half that came (a close may drop writes still in flight), then the close, long before
            // the length: never a body that looks complete.
            assertTrue(rest.length <= clip.length / 2, rest.length + " bytes");
            assertArrayEquals(Arrays.copyOf(clip, rest.length), rest);
        }
    }
}
