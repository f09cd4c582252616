package dev.zeroedge.launcher;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The default {@code --max-connections} comes from the server process's own open-file limit (set here with
 * {@code ulimit -n} around a real server JVM), is logged with its arithmetic, and is the limit enforced;
 * an explicit value the limit cannot hold is logged as a warning.
 */
class MaxConnectionsTest {

    private static final Pattern SERVING = Pattern.compile("serving .* on http://[^:/]+:(\\d+)/");

    @TempDir
    Path root;

    @Test
    void theDefaultIsWhatTheOpenFileLimitHoldsAndIsEnforced() throws Exception {
        // 1200 - no cache - (512 + 256 for one event loop) = 432.
        Server server = start(1200, "--open-file-cache", "0", "--event-loops", "1");
        try {
            assertEquals(List.of(" INFO zeroedge - max connections 432 (open-file limit 1200 - open-file cache 0"
                    + " - 768 spare (1 event loop))"), server.connectionLines());
            List<Socket> held = new ArrayList<>();
            try {
                for (int i = 0; i < 432; i++) {
                    held.add(new Socket("127.0.0.1", server.port));
                }
                // The first one is still served; one loop accepts in order, so all 432 count by now.
                assertEquals("HTTP/1.1 404 Not Found", exchange(held.getFirst()));
                try (Socket oneMore = new Socket("127.0.0.1", server.port)) {
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
        Server server = start(1200, "--open-file-cache", "100", "--event-loops", "1", "--max-connections", "400");
        try {
            assertEquals(List.of(" WARN zeroedge - max connections 400 (--max-connections; with the open-file cache"
                    + " and the spare that is up to 1268 descriptors, more than the open-file limit 1200: past it"
                    + " accepts and responses fail with EMFILE; raise the limit (ulimit -n, LimitNOFILE=) or lower"
                    + " --max-connections or --open-file-cache)"), server.connectionLines());
        } finally {
            server.stop();
        }
        server = start(1200, "--open-file-cache", "100", "--event-loops", "1", "--max-connections", "300");
        try {
            assertEquals(List.of(" INFO zeroedge - max connections 300 (--max-connections)"), server.connectionLines());
        } finally {
            server.stop();
        }
    }

    private record Server(Process process, int port, List<String> log) {

        /** The log's connection-limit lines, without their time stamp. */
        List<String> connectionLines() {
            return log.stream().filter(l -> l.contains(" zeroedge - max connections "))
                    .map(l -> l.substring(l.indexOf(' '))).toList();
        }

        void stop() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    /** A server JVM under {@code ulimit -n LIMIT} (soft and hard), its log read up to the "serving" line. */
    private Server start(int openFileLimit, String... flags) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of("sh", "-c", "ulimit -n " + openFileLimit + " && exec \"$@\"", "sh",
                java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "serve", "--root", root.toString(), "--bind", "127.0.0.1", "--port", "0",
                "--mode", "epoll-sendfile"));
        command.addAll(List.of(flags));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        List<String> log = new ArrayList<>();
        BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
            log.add(line);
            Matcher serving = SERVING.matcher(line);
            if (serving.find()) {
                // Keep draining the log so the server never blocks on a full pipe.
                Thread.ofVirtual().start(() -> lines.lines().forEach(l -> { }));
                return new Server(process, Integer.parseInt(serving.group(1)), log);
            }
        }
        process.destroyForcibly();
        throw new IOException("the server did not start: " + log);
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
