package dev.zeroedge.loadtest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code idle} end to end against the real server jar, in the two modes the benchmark compares: every idle
 * connection gets its answer and stays open, the server then holds exactly one socket per connection
 * beside its listener (uring-splice's dup of each socket has been given back), and after the connections
 * close it holds only the listener again.
 */
class IdleCommandTest {

    @Test
    void idleConnectionsAreHeldAnsweredAndLetGo(@TempDir Path dir) throws Exception {
        Path jar = Path.of(System.getProperty("zeroedge.server.jar", "../server/target/zeroedge.jar"));
        assertTrue(Files.isRegularFile(jar), jar + " is missing: build the server module first (mvn verify builds it)");
        Path out = dir.resolve("out");
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        int exit = Main.run(new String[] {"idle", "--server-jar", jar.toString(), "--modes", "uring-splice,epoll-sendfile",
                        "--reps", "1", "--idle", "300", "--rate", "500", "--connections", "4", "--duration", "1s",
                        "--warmup", "300ms", "--out", out.toString()},
                new PrintStream(stdout, true, StandardCharsets.UTF_8), new PrintStream(stderr, true, StandardCharsets.UTF_8));
        String said = stdout.toString(StandardCharsets.UTF_8) + stderr.toString(StandardCharsets.UTF_8);
        assertEquals(0, exit, said);

        for (String mode : List.of("uring-splice", "epoll-sendfile")) {
            String row = said.lines().filter(l -> l.startsWith(mode + " rep 1: ")).findFirst().orElseThrow(() -> new AssertionError(said));
            assertTrue(row.startsWith(mode + " rep 1: 300 idle (300 open, 0 errors, 0 closed by server; "), row);
            assertTrue(row.contains("  sockets 1 -> 301 idle -> 1 closed, "), row);
            assertTrue(row.contains(" errors 0  GC pauses in the load: "), row);
        }
        String table = Files.readString(out.resolve("summary.md"));
        assertTrue(table.startsWith("| mode | runs | idle | RSS before MiB | RSS idle MiB |"), table);
        assertTrue(table.contains("\n| uring-splice | 1 | 300 | "), table);
        assertTrue(table.contains("\n| epoll-sendfile | 1 | 300 | "), table);
        assertTrue(Files.isRegularFile(out.resolve("uring-splice_1_idle300.hgrm")));
        assertTrue(Files.readString(out.resolve("epoll-sendfile_1.server.log")).contains(" INFO zeroedge - mode epoll-sendfile ("));
    }
}
