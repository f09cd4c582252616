package dev.zeroedge.loadtest;

import dev.zeroedge.server.ServerConfig;
import dev.zeroedge.server.ZeroedgeServer;
import dev.zeroedge.transport.nio.NioSendfileTransport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code slow-disk} against a real zeroedge on a plain disk (every hot request of the schedule answered, the
 * cold files fetched, all counted on one line), against a server that never answers (the hot request is
 * reported lost and the run ends on time), and its usage errors. The slow file system itself is the
 * business of {@code scripts/bench-slow-disk.sh} and of the core's {@code SlowDiskSuite}.
 */
class SlowDiskCommandTest {

    @Test
    void aRealServerAnswersEveryHotRequestOfTheScheduleAndTheColdFetchesAreCounted(@TempDir Path root)
            throws Exception {
        Files.write(root.resolve("hot-1k.bin"), new byte[1024]);
        Files.createDirectory(root.resolve("slow"));
        for (int i = 0; i < 2; i++) {
            Files.write(root.resolve("slow").resolve(String.format("cold-%02d.bin", i)), new byte[256 * 1024]);
        }
        try (ZeroedgeServer server = ZeroedgeServer.start(
                ServerConfig.of(root, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)),
                new NioSendfileTransport())) {
            String base = "http://127.0.0.1:" + server.port();
            Run run = run("slow-disk", "--url-hot", base + "/hot-1k.bin", "--url-cold-prefix", base + "/slow/cold-",
                    "--cold-connections", "2", "--duration", "1s", "--hot-rate", "50", "--label", "nio",
                    "--cold-nice", "10"); // a cold thread it could not nice would be counted "not niced" below
            assertEquals(0, run.exit(), run.out());
            String line = run.out().strip();
            assertTrue(line.startsWith("nio: hot 50/s: 50 answered: p50 "), line);
            assertFalse(line.contains("lost") || line.contains("not sent"), line);
            Matcher cold = Pattern.compile("; cold x2: (\\d+) fetches \\((\\d+) 200\\), ([0-9.]+) MiB in 1 s"
                    + "; the hot client's own sleep overshot by p50 [0-9.]+ ms, p99 [0-9.]+ ms \\(not counted\\)$")
                    .matcher(line);
            assertTrue(cold.find(), line);
            assertEquals(cold.group(1), cold.group(2), "every cold fetch a 200: " + line);
            assertEquals(Long.parseLong(cold.group(2)) * 0.25, Double.parseDouble(cold.group(3)), 0.051, line); // printed to 0.1
        }
    }

    @Test
    void aServerThatNeverAnswersLosesTheHotRequestAndTheRunStillEnds() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                try {
                    while (true) {
                        Socket s = silent.accept(); // held open, never answered
                        s.getInputStream();
                    }
                } catch (Exception closed) {
                    // the test is over
                }
            });
            String base = "http://127.0.0.1:" + silent.getLocalPort();
            long start = System.nanoTime();
            Run run = run("slow-disk", "--url-hot", base + "/hot-1k.bin", "--url-cold-prefix", base + "/slow/cold-",
                    "--cold-connections", "1", "--duration", "500ms", "--hot-rate", "10", "--hot-timeout", "1s");
            long seconds = (System.nanoTime() - start) / 1_000_000_000L;
            assertEquals(0, run.exit(), run.out());
            // The five requests of the schedule, none answered, recorded as what they had waited after 1 s.
            assertTrue(Pattern.matches("hot 10/s: 0 answered, 1 lost \\(not answered within 1.0 s\\), 4 not sent"
                    + " \\(behind schedule\\); all 5, unanswered ones as waited so far: p50 [0-9.]+ ms, p99 [0-9.]+ ms,"
                    + " p99.9 [0-9.]+ ms, max 1[0-9]{3} ms; cold x1: 1 fetches \\(1 timeout\\), 0.0 MiB in 0.5 s"
                    + "; the hot client's own sleep overshot by p50 [0-9.]+ ms, p99 [0-9.]+ ms \\(not counted\\)",
                    run.out().strip()), run.out());
            assertTrue(seconds < 10, "ended after " + seconds + " s");
        }
    }

    @Test
    void usageErrorsNameTheFlag() {
        Run missing = run("slow-disk", "--url-cold-prefix", "http://127.0.0.1:1/slow/cold-");
        assertEquals(Main.EXIT_USAGE, missing.exit());
        assertEquals("zeroedge-loadtest: --url-hot is required\n", missing.err());
        Run bad = run("slow-disk", "--url-hot", "ftp://x/y", "--url-cold-prefix", "http://127.0.0.1:1/c-");
        assertEquals(Main.EXIT_USAGE, bad.exit());
        assertEquals("zeroedge-loadtest: --url-hot wants http://HOST:PORT/PATH, got ftp://x/y\n", bad.err());
    }

    record Run(int exit, String out, String err) {
    }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
