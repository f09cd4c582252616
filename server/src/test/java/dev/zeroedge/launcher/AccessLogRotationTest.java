package dev.zeroedge.launcher;

import dev.zeroedge.testing.RawHttp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * logrotate's way with a server JVM: rename the access log, send SIGUSR1, and the lines after the reopen are
 * in a new file at the old name; the ones before it stay in the renamed file; none is lost.
 */
class AccessLogRotationTest {

    @TempDir
    Path dir;

    @Test
    void renameAndSigusr1MoveTheNextLinesToANewFileAndLoseNone() throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        Files.writeString(root.resolve("a.txt"), "hello\n");
        Path logFile = dir.resolve("access.log");
        Path rotated = dir.resolve("access.log.1");
        ServerJvm server = ServerJvm.start(root, 4096, "epoll-sendfile", "--access-log", logFile.toString());
        try {
            for (int i = 0; i < 3; i++) {
                get(server, "/a.txt?before=" + i);
            }
            assertEquals(3, linesOf(logFile, 3).size());
            Files.move(logFile, rotated);
            Process kill = new ProcessBuilder("kill", "-USR1", Long.toString(server.process().pid())).start();
            assertEquals(0, kill.waitFor());
            awaitLogged(server, "access log " + logFile + " reopened");
            for (int i = 0; i < 2; i++) {
                get(server, "/a.txt?after=" + i);
            }
            List<String> after = linesOf(logFile, 2);
            List<String> before = linesOf(rotated, 3);
            assertEquals(3, before.size(), "the renamed file keeps what came before: " + before);
            // Each request had a connection of its own, possibly on another event loop: their lines are in the
            // order the responses ended on the server, not necessarily the order the client saw them end.
            for (int i = 0; i < 3; i++) {
                assertEquals(1, count(before, "\"GET /a.txt?before=" + i + " HTTP/1.1\" 200 6 "), before.toString());
            }
            assertEquals(2, after.size(), "the new file has what came after: " + after);
            for (int i = 0; i < 2; i++) {
                assertEquals(1, count(after, "\"GET /a.txt?after=" + i + " HTTP/1.1\" 200 6 "), after.toString());
            }
        } finally {
            server.stop();
        }
    }

    private static long count(List<String> lines, String text) {
        return lines.stream().filter(line -> line.contains(text)).count();
    }

    private static void get(ServerJvm server, String target) throws Exception {
        try (RawHttp http = new RawHttp(server.port())) {
            assertEquals(200, http.exchange("GET " + target + " HTTP/1.1\r\nHost: t\r\n\r\n").status());
        }
    }

    /** The file's lines once it has {@code count} (waiting up to 10 s for the writer thread). */
    private static List<String> linesOf(Path file, int count) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            List<String> lines = Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
            if (lines.size() >= count || System.nanoTime() > deadline) {
                return lines;
            }
            Thread.sleep(10);
        }
    }

    private static void awaitLogged(ServerJvm server, String text) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (server.logged(text).isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not logged: " + text + " in " + server.log());
            }
            Thread.sleep(10);
        }
    }
}
