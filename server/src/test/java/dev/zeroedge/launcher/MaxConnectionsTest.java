package dev.zeroedge.launcher;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The default {@code --max-connections} comes from the server process's own open-file limit (set here with
 * {@code ulimit -n} around a real server JVM), is logged with its arithmetic, and is the limit enforced;
 * an explicit value the limit cannot hold is logged as a warning with the figure it holds.
 */
class MaxConnectionsTest {

    @TempDir
    Path root;

    @Test
    void theDefaultIsWhatTheOpenFileLimitHoldsAndIsEnforced() throws Exception {
        // (1200 - no cache - (512 + 3 for one epoll loop)) / 2 for a busy connection's socket and file = 342.
        ServerJvm server = start(1200, "--open-file-cache", "0", "--event-loops", "1");
        try {
            assertEquals(List.of(" INFO zeroedge - max connections 342 (epoll-sendfile: (open-file limit 1200"
                    + " - open-file cache 0 - 515 spare (1 event loop)) / 2 per busy connection (socket, file))"),
                    server.connectionLines());
            List<Socket> held = new ArrayList<>();
            try {
                for (int i = 0; i < 342; i++) {
                    held.add(new Socket("127.0.0.1", server.port()));
                }
                // The first one is still served; one loop accepts in order, so all 342 count by now.
                assertEquals("HTTP/1.1 404 Not Found", exchange(held.getFirst()));
                try (Socket oneMore = new Socket("127.0.0.1", server.port())) {
                    assertEquals("HTTP/1.1 503 Service Unavailable", statusLine(oneMore));
                }
            } finally {
                for (Socket socket : held) {
                    socket.close();
                }
            }
        } finally {
            server.stop();
        }
    }

    @Test
    void anExplicitValueWinsAndIsWarnedAboutWhenTheLimitCannotHoldIt() throws Exception {
        ServerJvm server = start(1200, "--open-file-cache", "100", "--event-loops", "1", "--max-connections", "400");
        try {
            assertEquals(List.of(" WARN zeroedge - max connections 400 (--max-connections; epoll-sendfile:"
                    + " (open-file limit 1200 - open-file cache 100 - 515 spare (1 event loop)) / 2 per busy"
                    + " connection (socket, file) is 292: busy, 400 connections take up to 1415 descriptors with"
                    + " the cache and the spare, more than the limit; past it accepts stall and responses are refused"
                    + " with 503; raise the limit (ulimit -n, LimitNOFILE=) or lower --max-connections or"
                    + " --open-file-cache)"), server.connectionLines());
        } finally {
            server.stop();
        }
        server = start(1200, "--open-file-cache", "100", "--event-loops", "1", "--max-connections", "292");
        try {
            assertEquals(List.of(" INFO zeroedge - max connections 292 (--max-connections)"), server.connectionLines());
        } finally {
            server.stop();
        }
    }

    private ServerJvm start(int openFileLimit, String... flags) throws IOException {
        return ServerJvm.start(root, openFileLimit, "epoll-sendfile", flags);
    }

    private static String exchange(Socket socket) throws IOException {
        socket.getOutputStream().write("GET /absent HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        return statusLine(socket);
    }

    private static String statusLine(Socket socket) throws IOException {
        socket.setSoTimeout(10_000);
        StringBuilder line = new StringBuilder();
        for (int b = socket.getInputStream().read(); b >= 0 && b != '\r'; b = socket.getInputStream().read()) {
            line.append((char) b);
        }
        return line.toString();
    }
}
