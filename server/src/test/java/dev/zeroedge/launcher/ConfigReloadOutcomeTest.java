package dev.zeroedge.launcher;

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
import java.util.List;

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

    @AfterEach
    void stop() {
        if (server != null) {
            server.shutdown(Duration.ZERO);
        }
    }

    private ConfigReload start(Path file, String... flags) throws Exception {
        List<String> args = new ArrayList<>(List.of("serve", "--config", file.toString()));
        args.addAll(List.of(flags));
        Flags commandLine = Flags.parse(args.toArray(String[]::new), 1, ServeFlags.VALUED, ServeFlags.SWITCHES);
        ServeSettings settings = ServeSettings.read(commandLine);
        Transport transport = Transports.load().require(Mode.NIO_SENDFILE);
        ServerConfig config = settings.config();
        server = ZeroedgeServer.start(config, transport);
        return new ConfigReload(commandLine, settings, config, transport, server);
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
}
