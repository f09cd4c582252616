package dev.zeroedge.loadtest;

import dev.zeroedge.server.ServerConfig;
import dev.zeroedge.server.ZeroedgeServer;
import dev.zeroedge.transport.nio.NioSendfileTransport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code slow-readers} against a real zeroedge (every paced download arrives whole, with the file's own
 * checksum) and against a server that cuts its body short (reported as cut, exit 1).
 */
class SlowReadersCommandTest {

    @Test
    void pacedDownloadsFromARealServerArriveWholeWithTheFilesChecksum(@TempDir Path root) throws Exception {
        byte[] bytes = new byte[400_000];
        new Random(11).nextBytes(bytes);
        Files.write(root.resolve("seg.ts"), bytes);
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        try (ZeroedgeServer server = ZeroedgeServer.start(
                ServerConfig.of(root, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)),
                new NioSendfileTransport())) {
            Run run = run("--url", "http://127.0.0.1:" + server.port() + "/seg.ts", "--clients", "3",
                    "--kib-per-s", "400", "--rcvbuf-kib", "8");
            assertEquals(0, run.exit(), run.out());
            String checksum = String.format("crc32c %08x", crc.getValue());
            for (int client = 1; client <= 3; client++) {
                String prefix = "client " + client + ": status 200, 400000 of 400000 bytes in ";
                assertTrue(run.out().lines().anyMatch(l -> l.startsWith(prefix) && l.endsWith(checksum)), run.out());
            }
            assertTrue(run.out().contains("\n3 complete, 0 cut, every complete body the same\n"), run.out());
        }
    }

    @Test
    void aBodyCutShortIsReportedAsCutAndFailsTheRun() throws Exception {
        try (ServerSocket origin = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                try (Socket client = origin.accept()) {
                    client.getInputStream().read(new byte[1024]);
                    OutputStream out = client.getOutputStream();
                    out.write("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.write(new byte[1000]);
                    out.flush();
                } catch (Exception ignored) {
                    // the test's assertions say what went wrong
                }
            });
            Run run = run("--url", "http://127.0.0.1:" + origin.getLocalPort() + "/x", "--clients", "1",
                    "--kib-per-s", "1000");
            assertEquals(1, run.exit(), run.out());
            assertTrue(run.out().lines().anyMatch(l -> l.startsWith("client 1: status 200, 1000 of 100000 bytes in ")
                    && l.endsWith(", cut: closed by the server")), run.out());
            assertTrue(run.out().contains("\n0 complete, 1 cut\n"), run.out());
        }
    }

    private record Run(int exit, String out) {
    }

    private static Run run(String... flags) {
        String[] args = new String[flags.length + 1];
        args[0] = "slow-readers";
        System.arraycopy(flags, 0, args, 1, flags.length);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int exit = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(out, true, StandardCharsets.UTF_8));
        return new Run(exit, out.toString(StandardCharsets.UTF_8));
    }
}
