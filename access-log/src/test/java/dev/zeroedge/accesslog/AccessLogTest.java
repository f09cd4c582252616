package dev.zeroedge.accesslog;

import dev.zeroedge.server.ServerConfig;
import dev.zeroedge.server.ZeroedgeServer;
import dev.zeroedge.testing.LeakRecorder;
import dev.zeroedge.transport.nio.NioSendfileTransport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The access log of a real server (nio-sendfile, one event loop) for a known sequence of requests, line by
 * line and byte by byte; only the two fields that vary by run are matched by pattern: the time of the request
 * and the request time. Each request closes its connection, so the bytes the client read are the bytes the
 * line must say were sent.
 */
class AccessLogTest {

    /** nginx's $time_local: [01/Dec/2026:14:03:07 +0000]. */
    private static final String TIME_LOCAL = "\\[\\d{2}/[A-Z][a-z]{2}/\\d{4}:\\d{2}:\\d{2}:\\d{2} [+-]\\d{4}\\]";
    private static final String SECONDS = "\\d+\\.\\d{6}";
    private static final String ISO_TIME = "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,3})?Z";
    private static final byte[] A = "twenty bytes of text".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    private ZeroedgeServer server;
    private AccessLog accessLog;

    private void start(LogFormat format, Path file, int queue) throws IOException {
        Path root = Files.createDirectories(dir.resolve("root"));
        Files.write(root.resolve("a.txt"), A);
        accessLog = new AccessLog(file, format, "nio-sendfile", queue);
        ServerConfig config = ServerConfig.of(root, new InetSocketAddress("127.0.0.1", 0)).withEventLoops(1);
        server = ZeroedgeServer.start(config, new NioSendfileTransport(), ZeroedgeServer::documentRoot, accessLog);
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.shutdown(Duration.ofSeconds(1));
        }
        if (accessLog != null) {
            accessLog.close();
        }
        assertEquals(List.of(), LeakRecorder.collect(), "Netty buffers leaked");
    }

    /** Sends {@code raw} on a new connection and reads until the server closes it: every byte sent. */
    private byte[] exchange(String raw) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(raw.getBytes(StandardCharsets.ISO_8859_1));
            return socket.getInputStream().readAllBytes();
        }
    }

    private static int bodyLength(byte[] response) {
        String text = new String(response, StandardCharsets.ISO_8859_1);
        return response.length - (text.indexOf("\r\n\r\n") + 4);
    }

    private static String etag(byte[] response) {
        for (String line : new String(response, StandardCharsets.ISO_8859_1).split("\r\n")) {
            if (line.startsWith("ETag: ")) {
                return line.substring(6);
            }
        }
        throw new AssertionError("no ETag");
    }

    private List<String> lines(Path file, int count) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            List<String> lines = Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
            if (lines.size() >= count || System.nanoTime() > deadline) {
                return lines;
            }
            Thread.sleep(10);
        }
    }

    @Test
    void combinedLinesForAKnownSequenceAreExact() throws Exception {
        Path file = dir.resolve("access.log");
        start(LogFormat.COMBINED, file, AccessLog.DEFAULT_QUEUE);
        byte[] whole = exchange("GET /a.txt HTTP/1.1\r\nHost: t\r\nReferer: http://ref.example/page\r\n"
                + "User-Agent: agent \"quoted\" \\ \u00e9\r\nConnection: close\r\n\r\n");
        byte[] head = exchange("HEAD /a.txt HTTP/1.0\r\n\r\n");
        byte[] missing = exchange("GET /missing?q=1 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
        byte[] range = exchange("GET /a.txt HTTP/1.1\r\nHost: t\r\nRange: bytes=0-9\r\nConnection: close\r\n\r\n");
        byte[] refused = exchange("GET /a.txt HTTP/1.1\r\n\r\n");
        byte[] notModified = exchange("GET /a.txt HTTP/1.1\r\nHost: t\r\nIf-None-Match: " + etag(whole)
                + "\r\nConnection: close\r\n\r\n");
        assertEquals(A.length, bodyLength(whole));
        assertEquals(0, bodyLength(head));
        assertEquals(10, bodyLength(range));

        List<String> lines = lines(file, 6);
        assertEquals(6, lines.size(), "one line per response: " + lines);
        assertLine(lines.get(0), "127.0.0.1 - - ", "\"GET /a.txt HTTP/1.1\" 200 20 \"http://ref.example/page\" "
                + "\"agent \\x22quoted\\x22 \\x5c \\xe9\" ", " nio-sendfile " + whole.length);
        assertLine(lines.get(1), "127.0.0.1 - - ", "\"HEAD /a.txt HTTP/1.0\" 200 0 \"-\" \"-\" ",
                " nio-sendfile " + head.length);
        assertLine(lines.get(2), "127.0.0.1 - - ", "\"GET /missing?q=1 HTTP/1.1\" 404 " + bodyLength(missing)
                + " \"-\" \"-\" ", " nio-sendfile " + missing.length);
        assertLine(lines.get(3), "127.0.0.1 - - ", "\"GET /a.txt HTTP/1.1\" 206 10 \"-\" \"-\" ",
                " nio-sendfile " + range.length);
        assertLine(lines.get(4), "127.0.0.1 - - ", "\"-\" 400 " + bodyLength(refused) + " \"-\" \"-\" ",
                " nio-sendfile " + refused.length);
        assertLine(lines.get(5), "127.0.0.1 - - ", "\"GET /a.txt HTTP/1.1\" 304 0 \"-\" \"-\" ",
                " nio-sendfile " + notModified.length);
        assertEquals(6, accessLog.written());
        assertEquals(0, accessLog.dropped());
    }

    /** {@code prefix [TIME] middle SECONDS suffix}, every other byte literal. */
    private static void assertLine(String line, String prefix, String middle, String suffix) {
        Pattern expected = Pattern.compile(Pattern.quote(prefix) + TIME_LOCAL + " " + Pattern.quote(middle) + SECONDS
                + Pattern.quote(suffix));
        assertTrue(expected.matcher(line).matches(), "line\n  " + line + "\nis not\n  " + expected);
    }

    @Test
    void jsonLinesCarryTheSameFacts() throws Exception {
        Path file = dir.resolve("access.json");
        start(LogFormat.JSON, file, AccessLog.DEFAULT_QUEUE);
        byte[] whole = exchange("GET /a.txt HTTP/1.1\r\nHost: t\r\nUser-Agent: say \"hi\"\r\nConnection: close\r\n\r\n");
        byte[] refused = exchange("GET /a.txt HTTP/1.1\r\n\r\n");
        List<String> lines = lines(file, 2);
        assertEquals(2, lines.size(), "one line per response: " + lines);
        Pattern first = Pattern.compile(Pattern.quote("{\"time\":\"") + ISO_TIME + Pattern.quote(
                "\",\"remote_addr\":\"127.0.0.1\",\"method\":\"GET\",\"target\":\"/a.txt\",\"protocol\":\"HTTP/1.1\","
                        + "\"status\":200,\"body_bytes_sent\":20,\"bytes_sent\":" + whole.length
                        + ",\"zero_copy_bytes\":0,\"request_time\":") + SECONDS + Pattern.quote(
                ",\"mode\":\"nio-sendfile\",\"complete\":true,\"referer\":null,\"user_agent\":\"say \\\"hi\\\"\"}"));
        assertTrue(first.matcher(lines.get(0)).matches(), lines.get(0));
        Pattern second = Pattern.compile(Pattern.quote("{\"time\":\"") + ISO_TIME + Pattern.quote(
                "\",\"remote_addr\":\"127.0.0.1\",\"method\":null,\"target\":null,\"protocol\":null,"
                        + "\"status\":400,\"body_bytes_sent\":" + bodyLength(refused) + ",\"bytes_sent\":"
                        + refused.length + ",\"zero_copy_bytes\":0,\"request_time\":") + SECONDS + Pattern.quote(
                ",\"mode\":\"nio-sendfile\",\"complete\":true,\"referer\":null,\"user_agent\":null}"));
        assertTrue(second.matcher(lines.get(1)).matches(), lines.get(1));
    }

    /**
     * The log is a FIFO that a reader opened but does not read: once the pipe (64 KiB) and the queue (16 lines)
     * are full the writer waits in write(2), and further lines are dropped and counted while every response is
     * still answered at once. Then the reader reads: every response is either a line or a drop, exactly.
     */
    @Test
    void aFullQueueDropsLinesAndCountsThemAndNeverBlocksALoop() throws Exception {
        Path fifo = dir.resolve("access.fifo");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assertEquals(0, mkfifo.waitFor());
        CompletableFuture<InputStream> reader = CompletableFuture.supplyAsync(() -> {
            try {
                return Files.newInputStream(fifo);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        start(LogFormat.COMBINED, fifo, 16);
        InputStream pipe = reader.get(10, TimeUnit.SECONDS);
        int requests = 3000;
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            byte[] request = "GET /a.txt HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < requests; i++) {
                out.write(request);
                readResponse(in);
            }
        }
        // Each response was told before the next request of the connection was answered, so by now hundreds
        // of lines met a full queue.
        assertTrue(accessLog.dropped() > 0, "lines were dropped: " + accessLog.dropped());
        CompletableFuture<List<String>> read = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(pipe.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        server.shutdown(Duration.ofSeconds(1));
        server = null;
        accessLog.close();
        List<String> lines = read.get(10, TimeUnit.SECONDS);
        assertEquals(requests, lines.size() + accessLog.dropped(), "every response a line or a counted drop");
        assertEquals(lines.size(), accessLog.written());
        List<String> wrong = new ArrayList<>();
        for (String line : lines) {
            if (!line.contains("\"GET /a.txt HTTP/1.1\" 200 20 ")) {
                wrong.add(line);
            }
        }
        assertEquals(List.of(), wrong, "whole lines only");
    }

    /** Reads one response with a 20-byte body (the head ends with an empty line). */
    private static void readResponse(InputStream in) throws IOException {
        int state = 0;
        while (state < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed");
            }
            state = (b == '\r' && (state == 0 || state == 2)) || (b == '\n' && (state == 1 || state == 3))
                    ? state + 1 : (b == '\r' ? 1 : 0);
        }
        if (in.readNBytes(A.length).length != A.length) {
            throw new IOException("short body");
        }
    }
}
