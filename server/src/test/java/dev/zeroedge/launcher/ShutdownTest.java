package dev.zeroedge.launcher;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The launcher as a real process: SIGTERM stops accepting, lets the response in flight finish, and the
 * process exits 0; a SIGTERM repeated while it drains (systemd and orchestrators resend it) changes nothing.
 */
class ShutdownTest {

    private static final Pattern LISTENING = Pattern.compile("serving .* on http://127\\.0\\.0\\.1:(\\d+)/");
    private static final long SIZE = 48L * 1024 * 1024;

    @TempDir
    Path root;

    @Test
    void sigtermLetsTheDownloadInFlightFinishThenExitsZero() throws Exception {
        List<String> log = downloadWhileSignalled(1);
        assertEquals(1, log.stream().filter(l -> l.contains("shutting down:")).count(), "one stop: " + log);
    }

    @Test
    void aRepeatedSigtermDoesNotShortenTheGracePeriod() throws Exception {
        List<String> log = downloadWhileSignalled(3);
        assertEquals(1, log.stream().filter(l -> l.contains("shutting down:")).count(), "one stop: " + log);
        assertEquals(2, log.stream().filter(l -> l.contains("SIGTERM again: already shutting down")).count(),
                "the repeats are noted: " + log);
    }

    /**
     * Starts a server JVM, begins a 48 MiB download that a small receive buffer keeps in flight, sends
     * {@code signals} SIGTERMs 200 ms apart, then reads the rest: the whole body arrives, no new connection
     * is accepted, and the process exits 0. Returns the server's log.
     */
    private List<String> downloadWhileSignalled(int signals) throws Exception {
        try (RandomAccessFile file = new RandomAccessFile(root.resolve("big.bin").toFile(), "rw")) {
            file.setLength(SIZE);
        }
        Files.writeString(root.resolve("hello.txt"), "hi\n");
        String java = ProcessHandle.current().info().command().orElse("java");
        Process server = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "serve", "--root", root.toString(), "--bind", "127.0.0.1", "--port", "0", "--grace", "20s")
                .redirectErrorStream(true)
                .start();
        List<String> log = new ArrayList<>();
        try {
            BufferedReader lines = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            int port = -1;
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                log.add(line);
                Matcher m = LISTENING.matcher(line);
                if (m.find()) {
                    port = Integer.parseInt(m.group(1));
                    break;
                }
            }
            assertTrue(port > 0, "server started: " + log);
            assertEquals(1, log.stream().filter(l -> l.contains(" mode ")).count(), "one mode line: " + log);

            try (Socket client = new Socket()) {
                client.setReceiveBufferSize(32 * 1024);
                client.connect(new InetSocketAddress("127.0.0.1", port));
                OutputStream out = client.getOutputStream();
                out.write("GET /big.bin HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = client.getInputStream();
                byte[] buf = new byte[64 * 1024];
                long read = in.read(buf);
                assertTrue(read > 0);
                // The download is in flight; now ask the server to stop, as often as the test says.
                for (int i = 0; i < signals; i++) {
                    if (i > 0) {
                        Thread.sleep(200);
                    }
                    new ProcessBuilder("kill", "-TERM", Long.toString(server.pid())).start().waitFor();
                }
                Thread.sleep(300);
                try (Socket late = new Socket()) {
                    late.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                    throw new AssertionError("a new connection was accepted after SIGTERM");
                } catch (IOException expected) {
                    // refused: the listener is closed
                }
                String text = new String(buf, 0, (int) read, StandardCharsets.ISO_8859_1);
                long headLength = text.indexOf("\r\n\r\n") + 4;
                long body = read - headLength;
                for (int n = in.read(buf); n > 0; n = in.read(buf)) {
                    body += n;
                }
                assertEquals(SIZE, body, "the download in flight finished");
            }
            assertTrue(server.waitFor(20, TimeUnit.SECONDS), "server exited");
            assertEquals(0, server.exitValue());
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                log.add(line);
            }
            return log;
        } finally {
            server.destroyForcibly();
        }
    }
}
