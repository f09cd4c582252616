package dev.zeroedge.launcher;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code serve --mode auto} logs exactly one mode line, and it is the line {@code probe} ends with. */
class StartupLineTest {

    @TempDir
    Path root;

    @Test
    void serveLogsTheModeTheProbeChooses() throws Exception {
        ByteArrayOutputStream probed = new ByteArrayOutputStream();
        assertEquals(0, Main.run(new String[] {"probe", "--bind", "127.0.0.1"},
                new PrintStream(probed, true, StandardCharsets.UTF_8), System.err));
        List<String> probeLines = probed.toString(StandardCharsets.UTF_8).lines().toList();
        String probeModeLine = probeLines.getLast();
        assertTrue(probeModeLine.startsWith("mode "), probeModeLine);

        String java = ProcessHandle.current().info().command().orElse("java");
        Process server = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "serve", "--root", root.toString(), "--bind", "127.0.0.1", "--port", "0")
                .redirectErrorStream(true)
                .start();
        List<String> log = new ArrayList<>();
        try {
            BufferedReader lines = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            for (String line = lines.readLine(); line != null && !line.contains(" serving "); line = lines.readLine()) {
                log.add(line);
            }
        } finally {
            server.destroy();
            server.waitFor(20, TimeUnit.SECONDS);
            server.destroyForcibly();
        }
        List<String> modeLines = log.stream().filter(l -> l.contains(" INFO zeroedge - mode ")).toList();
        assertEquals(1, modeLines.size(), "one mode line: " + log);
        assertTrue(modeLines.getFirst().endsWith(" INFO zeroedge - " + probeModeLine),
                modeLines.getFirst() + " vs " + probeModeLine);
    }
}
