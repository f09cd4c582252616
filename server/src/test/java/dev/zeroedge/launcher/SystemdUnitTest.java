package dev.zeroedge.launcher;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code packaging/zeroedge.service} against the jar and the sample file: its java command lines are ones
 * the jar runs (each is run here through Main, with a flag for a root that exists on this machine), reload
 * is SIGHUP after a check, and stop gives the sample's grace period room. Where {@code systemd-analyze}
 * is installed it verifies the unit too (this container's has systemd 252 without running it as init).
 */
class SystemdUnitTest {

    private static final Path UNIT = Path.of("..", "packaging", "zeroedge.service");
    private static final Path SAMPLE = Path.of("..", "packaging", "zeroedge.yaml");

    @TempDir
    Path root;

    @Test
    void theUnitsCommandsAreTheJarsAndCheckTheSampleFile() throws IOException {
        List<String> lines = Files.readAllLines(UNIT);
        List<String> jarCommands = lines.stream().filter(l -> l.matches("Exec(StartPre|Start|Reload)=/usr/bin/java .*"))
                .toList();
        assertEquals(3, jarCommands.size(), jarCommands.toString());
        for (String line : jarCommands) {
            List<String> words = Arrays.asList(line.substring(line.indexOf('=') + 1).split(" "));
            int jar = words.indexOf("/opt/zeroedge/zeroedge.jar");
            assertEquals("-jar", words.get(jar - 1), line);
            List<String> args = new ArrayList<>(words.subList(jar + 1, words.size()));
            assertEquals(List.of("--config", "/etc/zeroedge/zeroedge.yaml"), args.subList(1, 3), line);
            if (args.getFirst().equals("serve")) {
                assertTrue(words.contains("-Xmn24m"), "the README's JVM flag: " + line);
                continue;
            }
            // The sample in place of /etc/zeroedge/zeroedge.yaml, and a root that exists here.
            args.set(2, SAMPLE.toString());
            args.addAll(List.of("--root", root.toString()));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int code = Main.run(args.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            assertEquals(0, code, line + ": " + err);
            assertTrue(out.toString(StandardCharsets.UTF_8).startsWith(SAMPLE + ": OK "), out.toString());
        }
    }

    @Test
    void reloadIsSighupAndStopLetsTheGracePeriodRun() throws IOException {
        List<String> lines = Files.readAllLines(UNIT);
        assertTrue(lines.contains("ExecReload=/bin/kill -HUP $MAINPID"), lines.toString());
        assertTrue(lines.contains("KillSignal=SIGTERM"), lines.toString());
        assertTrue(lines.contains("KillMode=mixed"), lines.toString());
        assertTrue(lines.stream().anyMatch(l -> l.matches("LimitNOFILE=\\d+")), lines.toString());
        Duration stop = Duration.ofSeconds(Long.parseLong(value(lines, "TimeoutStopSec").replace("s", "")));
        Duration grace = Duration.ofSeconds(Long.parseLong(value(Files.readAllLines(SAMPLE), "grace: ")
                .replace("s", "")));
        assertTrue(stop.compareTo(grace.plusSeconds(5)) >= 0, "TimeoutStopSec " + stop + " leaves the grace " + grace
                + " and the JVM's exit room");
    }

    @Test
    void systemdAnalyzeVerifiesTheUnitWhereItIsInstalled() throws Exception {
        if (!Files.isExecutable(Path.of("/usr/bin/systemd-analyze"))) {
            return; // checked by hand above; scripts/test.sh does not install systemd for this alone
        }
        Process verify = new ProcessBuilder("/usr/bin/systemd-analyze", "verify", UNIT.toAbsolutePath().normalize().toString())
                .redirectErrorStream(true).start();
        String output = new String(verify.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, verify.waitFor(), output);
        // A unit's mistakes are warnings ("Unknown key", "Failed to parse"), not a failing exit code.
        assertEquals("", output.lines().filter(l -> l.contains("zeroedge.service")).reduce("", String::concat));
    }

    private static String value(List<String> lines, String key) {
        String prefix = key.endsWith(" ") ? key : key + "=";
        return lines.stream().filter(l -> l.startsWith(prefix)).map(l -> l.substring(prefix.length()).trim())
                .findFirst().orElseThrow(() -> new AssertionError("no " + key));
    }
}
