package dev.zeroedge.launcher;

import dev.zeroedge.cache.EdgeCache;
import dev.zeroedge.cli.Flags;
import dev.zeroedge.mode.Mode;
import dev.zeroedge.server.ServerConfig;
import dev.zeroedge.server.ZeroedgeServer;
import dev.zeroedge.transport.Transport;
import dev.zeroedge.transport.Transports;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What one reload reports ({@link ConfigReload.Outcome}: applied, needs a restart, or refused with its problems)
 * and what it leaves in force, on a server started in this JVM the way serve starts it: the command line
 * still wins over the file, a live value is compared with the last one applied, a restart value with the
 * one the server started with.
 */
class ConfigReloadOutcomeTest {

    @TempDir
    Path root;
    @TempDir
    Path etc;

    private ZeroedgeServer server;
    private Observability observing;
    private EdgeCache edgeCache;

    @AfterEach
    void stop() {
        if (server != null) {
            server.shutdown(Duration.ZERO);
        }
        if (observing != null) {
            observing.close();
        }
    }

    private ConfigReload start(Path file, String... flags) throws Exception {
        List<String> args = new ArrayList<>(List.of("serve", "--config", file.toString()));
        args.addAll(List.of(flags));
        Flags commandLine = Flags.parse(args.toArray(String[]::new), 1, ServeFlags.VALUED, ServeFlags.SWITCHES);
        ServeSettings settings = ServeSettings.read(commandLine);
        Transport transport = Transports.load().require(Mode.NIO_SENDFILE);
        ServerConfig config = settings.config();
        observing = Observability.of(settings.flags(), transport.mode());
        EdgeCache[] cache = new EdgeCache[1];
        server = settings.cache() == null
                ? ZeroedgeServer.start(config, transport, ZeroedgeServer::documentRoot, observing.observer())
                : ZeroedgeServer.start(config, transport, (c, opener, pool) -> cache[0] = EdgeCache.open(
                        settings.cache(), transport, pool, false), observing.observer());
        edgeCache = cache[0];
        Map<ServeFlags.Change, Reloadable> parts = new LinkedHashMap<>();
        parts.put(ServeFlags.Change.LIVE_CACHE, ServeCommand.cacheSizes(edgeCache));
        parts.put(ServeFlags.Change.LIVE_ACCESS_LOG, observing.accessLogReload());
        return new ConfigReload(commandLine, settings, config, transport, server, parts);
    }

    private Path write(String text) throws IOException {
        Path file = etc.resolve("zeroedge.yaml");
        Files.writeString(file, "root: " + root + "\nbind: 127.0.0.1\nport: 0\nmode: nio-sendfile\n" + text);
        return file;
    }

    @Test
    void liveChangesApplyRestartChangesAreNamedAndTheCommandLineStillWins() throws Exception {
        Path file = write("grace: 10s\nidle-timeout: 60s\nmax-connections: 100\nfs-threads: 16\n");
        ConfigReload reload = start(file, "--header-timeout", "7s");

        write("grace: 3s\nidle-timeout: 60s\nmax-connections: 20\nfs-threads: 4\nheader-timeout: 1s\n"
                + "open-file-cache-valid: 5s\nserve-dotfiles: true\n");
        ConfigReload.Outcome outcome = reload.run();
        assertEquals(List.of("max-connections 100 -> 20", "grace 10s -> 3s", "open-file-cache-valid (default) -> 5s"),
                outcome.applied());
        assertEquals(List.of("serve-dotfiles true (still false)", "fs-threads 4 (still 16)"), outcome.needsRestart());
        assertFalse(outcome.failed());
        ServerConfig now = server.config();
        assertEquals(Duration.ofSeconds(3), now.gracePeriod());
        assertEquals(20, now.limits().maxConnections());
        assertEquals(Duration.ofSeconds(7), now.limits().headerTimeout(), "--header-timeout wins over the file");
        assertEquals(Duration.ofSeconds(5), now.openFileCacheValid());
        assertEquals(16, now.fileSystemThreads(), "a restart setting stays as the server started");
        assertFalse(now.serveDotfiles());

        // Read again unchanged: nothing new to apply, and the restart settings are still named.
        ConfigReload.Outcome again = reload.run();
        assertEquals(List.of(), again.applied());
        assertEquals(List.of("serve-dotfiles true (still false)", "fs-threads 4 (still 16)"), again.needsRestart());
    }

    @Test
    void aBadFileIsRefusedWholeWithEveryProblem() throws Exception {
        Path file = write("max-connections: 100\n");
        ConfigReload reload = start(file);
        ServerConfig before = server.config();
        write("max-connections: 5\nheader-timeout: 10\nmax-conections: 3\n");
        ConfigReload.Outcome outcome = reload.run();
        assertTrue(outcome.failed());
        assertEquals(List.of(file + ":6: header-timeout needs a unit (ms, s, m, h): 10",
                file + ":7: unknown key max-conections"), outcome.problems());
        assertEquals(List.of(), outcome.applied());
        assertEquals(before, server.config(), "nothing changed, max-connections 5 included");

        Files.writeString(file, "root: [");
        assertEquals(List.of(file + ":1: not YAML: expected the node content, but found '<stream end>'"),
                reload.run().problems());
        Files.delete(file);
        assertEquals(List.of(file + ": no such file"), reload.run().problems());
        assertEquals(before, server.config());
    }
    @Test
    void theAccessLogTakesANewPathAndFormatForTheLinesAfterAReloadAndCanBeTurnedOff() throws Exception {
        Files.writeString(root.resolve("a.txt"), "hello\n");
        Path first = etc.resolve("first.log");
        Path second = etc.resolve("second.log");
        Path file = write("access-log: " + first + "\n");
        ConfigReload reload = start(file);
        get("/a.txt?n=1");
        awaitLines(first, 1);

        write("access-log: " + second + "\naccess-log-format: json\n");
        ConfigReload.Outcome outcome = reload.run();
        assertEquals(List.of("access-log " + first + " -> " + second, "access-log-format (default) -> json"),
                outcome.applied());
        assertEquals(List.of(), outcome.needsRestart());
        get("/a.txt?n=2");
        List<String> after = awaitLines(second, 1);
        assertEquals(1, after.size(), after.toString());
        assertTrue(after.get(0).startsWith("{") && after.get(0).contains("/a.txt?n=2"), after.get(0));
        List<String> before = Files.readAllLines(first);
        assertEquals(1, before.size(), "the old file keeps its line and gets no new one: " + before);
        assertTrue(before.get(0).contains("\"GET /a.txt?n=1 HTTP/1.1\" 200 6 "), before.get(0));

        write("access-log: off\n");
        assertEquals(List.of("access-log " + second + " -> off", "access-log-format json -> (default)"),
                reload.run().applied());
        get("/a.txt?n=3");
        write("access-log: " + second + "\n");
        reload.run();
        get("/a.txt?n=4");
        List<String> last = awaitLines(second, 2);
        assertEquals(2, last.size(), "the line of n=3, while off, is nowhere: " + last);
        assertTrue(last.get(1).contains("\"GET /a.txt?n=4 HTTP/1.1\" 200 6 "), last.get(1));
    }

    @Test
    void anAccessLogThatCannotBeOpenedRefusesTheReloadAndOneNeverStartedNeedsARestart() throws Exception {
        Path first = etc.resolve("first.log");
        Path file = write("access-log: " + first + "\nmax-connections: 100\n");
        ConfigReload reload = start(file);
        Path nowhere = etc.resolve("absent").resolve("x.log");
        write("access-log: " + nowhere + "\nmax-connections: 5\n");
        ConfigReload.Outcome refused = reload.run();
        assertTrue(refused.failed());
        assertEquals(1, refused.problems().size(), refused.problems().toString());
        assertTrue(refused.problems().get(0).startsWith(file + ":5: access-log " + nowhere + ": cannot open: "),
                refused.problems().get(0));
        assertEquals(100, server.config().limits().maxConnections(), "nothing changed");
        stop();

        Path without = write("");
        ConfigReload never = start(without);
        write("access-log: " + first + "\n");
        ConfigReload.Outcome outcome = never.run();
        assertEquals(List.of(), outcome.applied());
        assertEquals(List.of("access-log " + first + " (still (default))"), outcome.needsRestart());
    }

    private void get(String target) throws IOException {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET " + target + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String response = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
            assertTrue(response.startsWith("HTTP/1.1 200 OK\r\n"), response);
        }
    }

    /** The file's lines once it has {@code count} (the writer thread appends within about 10 ms). */
    private static List<String> awaitLines(Path file, int count) throws Exception {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (true) {
            List<String> lines = Files.exists(file) ? Files.readAllLines(file) : List.of();
            if (lines.size() >= count || System.nanoTime() > deadline) {
                return lines;
            }
            Thread.sleep(10);
        }
    }

    @Test
    void theCacheTakesANewMaximumSizeAndMinimumFreeSpace() throws Exception {
        Path cacheDir = etc.resolve("cache");
        Path file = etc.resolve("cache.yaml");
        String base = "origin: http://127.0.0.1:9\ncache-dir: " + cacheDir + "\nbind: 127.0.0.1\nport: 0\n"
                + "mode: nio-sendfile\n";
        Files.writeString(file, base + "cache-max-size: 1g\n");
        ConfigReload reload = start(file);
        assertEquals(1L << 30, edgeCache.maxSize());
        Files.writeString(file, base + "cache-max-size: 2m\ncache-min-free: 1%\n");
        ConfigReload.Outcome outcome = reload.run();
        assertEquals(List.of("cache-max-size 1g -> 2m", "cache-min-free (default) -> 1%"), outcome.applied());
        assertEquals(List.of(), outcome.needsRestart());
        assertEquals(2L << 20, edgeCache.maxSize(), "the index is bounded by the new size");
    }

    @Test
    void changedOriginsAndParentsAreNamedAsNeedingARestart() throws Exception {
        Path cacheDir = etc.resolve("cache");
        Path file = etc.resolve("cache.yaml");
        String base = "origin: http://127.0.0.1:9\ncache-dir: " + cacheDir + "\nbind: 127.0.0.1\nport: 0\n"
                + "mode: nio-sendfile\n";
        Files.writeString(file, base + "origins:\n  img.test: http://127.0.0.1:10\n");
        ConfigReload reload = start(file);
        Files.writeString(file, base + "parents: http://127.0.0.1:11\norigins:\n  img.test: http://127.0.0.1:12\n"
                + "  video.test:\n    url: http://127.0.0.1:13\n    first-byte-timeout: 2s\n");
        ConfigReload.Outcome outcome = reload.run();
        assertFalse(outcome.failed(), outcome.problems().toString());
        assertEquals(List.of(), outcome.applied());
        assertEquals(List.of("parents http://127.0.0.1:11 (still (default))",
                "origins {img.test=http://127.0.0.1:12, video.test=http://127.0.0.1:13} (still"
                        + " {img.test=http://127.0.0.1:10})"), outcome.needsRestart());
        // Read again unchanged from the start's: nothing to name.
        Files.writeString(file, base + "origins:\n  img.test: http://127.0.0.1:10\n");
        assertEquals(List.of(), reload.run().needsRestart());
    }
}
