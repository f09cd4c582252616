package dev.zeroedge.launcher;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Past the budget, with an explicit {@code --max-connections} the open-file limit cannot hold: idle connections
 * take every descriptor until an accept fails with EMFILE. Then the server pauses accepting (one warning a
 * second, no spinning loop), a request whose file cannot be opened, or whose splice finds no descriptor for
 * the dup of its socket, gets a whole 503 instead of a connection closed with nothing on it, and once the
 * idle connections go, the server serves again.
 */
class DescriptorsRunOutTest {

    private static final int OPEN_FILE_LIMIT = 600;
    private static final int BODY = 64 * 1024;
    /** In the warning of a failed accept, one line per failure (also in Netty's own, for an unhandled one). */
    private static final String ACCEPT_FAILED = "Too many open files";
    private static final String BUSY = "HTTP/1.1 503 Service Unavailable\r\nServer: zeroedge\r\nDate: *\r\n"
            + "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 37\r\nRetry-After: 1\r\n"
            + "Connection: close\r\n\r\n503 Service Unavailable: server busy\n";

    @TempDir
    Path root;

    @ParameterizedTest
    @ValueSource(strings = {"uring-splice", "epoll-sendfile"})
    void outOfDescriptorsARequestGetsA503AndAcceptsPauseUntilTheyAreBack(String mode) throws Exception {
        byte[] body = new byte[BODY];
        new Random(8).nextBytes(body);
        Files.write(root.resolve("cached.bin"), body);
        Files.write(root.resolve("other.bin"), body);
        ServerJvm server = ServerJvm.start(root, OPEN_FILE_LIMIT, mode, "--max-connections", "5000",
                "--open-file-cache", "16", "--event-loops", "1");
        List<Socket> idle = new ArrayList<>();
        try (Socket cachedFirst = client(server.port()); Socket otherLater = client(server.port())) {
            // Both are in; cached.bin is now open in the cache (and on uring-splice a pipe waits in the pool).
            assertArrayEquals(body, get(cachedFirst, "/cached.bin"));
            assertArrayEquals(body, get(otherLater, "/cached.bin"));

            while (server.logged(ACCEPT_FAILED).isEmpty()) {
                assertTrue(idle.size() < OPEN_FILE_LIMIT * 2, "no accept failed after " + idle.size() + " connections");
                idle.add(new Socket("127.0.0.1", server.port()));
                if (idle.size() > OPEN_FILE_LIMIT - 100) {
                    Thread.sleep(5);
                }
            }
            // Every descriptor is taken. The cached file needs none in the sendfile modes; a splice needs a dup.
            if (mode.equals("uring-splice")) {
                assertEquals(BUSY, response(cachedFirst, "/cached.bin"));
                // Its close gave one back: wait until the paused acceptor has taken it again.
                awaitMore(server, server.logged(ACCEPT_FAILED).size());
            } else {
                assertArrayEquals(body, get(cachedFirst, "/cached.bin"));
            }
            // A file outside the cache cannot be opened: 503, not a 404 or a closed connection.
            assertEquals(BUSY, response(otherLater, "/other.bin"));

            // About one failed accept per second, not a loop retrying the backlog.
            int failures = server.logged(ACCEPT_FAILED).size();
            Thread.sleep(2000);
            int later = server.logged(ACCEPT_FAILED).size();
            assertTrue(later - failures <= 3, failures + " then " + later + " failed accepts");
            assertEquals(List.of(), server.logged("reached at the tail of the pipeline"));
            for (String line : server.logged(ACCEPT_FAILED)) {
                assertTrue(line.contains(" WARN AcceptPause - accept failed, accepting again in 1 s: "), line);
            }

            for (Socket socket : idle) {
                socket.close();
            }
            idle.clear();
            try (Socket again = client(server.port())) {
                assertArrayEquals(body, get(again, "/other.bin"));
            }
        } finally {
            for (Socket socket : idle) {
                socket.close();
            }
            server.stop();
        }
    }

    private static void awaitMore(ServerJvm server, int failures) throws InterruptedException {
        for (int i = 0; i < 500 && server.logged(ACCEPT_FAILED).size() <= failures; i++) {
            Thread.sleep(10);
        }
        assertTrue(server.logged(ACCEPT_FAILED).size() > failures, "the acceptor took the descriptor back");
    }

    private static Socket client(int port) throws IOException {
        Socket client = new Socket("127.0.0.1", port);
        client.setSoTimeout(10_000);
        return client;
    }

    /** GET on a kept-alive connection: asserts a 200 of BODY bytes and returns the body. */
    private static byte[] get(Socket client, String path) throws IOException {
        send(client, path);
        String head = head(client.getInputStream());
        assertTrue(head.startsWith("HTTP/1.1 200 OK\r\n") && head.contains("\r\nContent-Length: " + BODY + "\r\n"),
                head);
        return client.getInputStream().readNBytes(BODY);
    }

    /** GET of a response that closes the connection: all of it, the Date's value starred. */
    private static String response(Socket client, String path) throws IOException {
        send(client, path);
        return new String(client.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)
                .replaceFirst("\r\nDate: [^\r]*\r\n", "\r\nDate: *\r\n");
    }

    private static void send(Socket client, String path) throws IOException {
        client.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: a\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    }

    private static String head(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("the connection closed after " + head.toString(StandardCharsets.US_ASCII));
            }
            head.write(b);
        }
        return head.toString(StandardCharsets.US_ASCII);
    }
}
