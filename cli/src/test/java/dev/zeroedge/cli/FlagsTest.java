package dev.zeroedge.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every way a command line is read, and the one-line message for every way it is wrong. */
class FlagsTest {

    private static final Set<String> VALUED = Set.of("port", "size", "timeout", "name");
    private static final Set<String> BOOLEANS = Set.of("verbose");

    private static Flags parse(String line) throws UsageException {
        return Flags.parse(("cmd " + line).trim().split(" "), 1, VALUED, BOOLEANS);
    }

    @Test
    void readsValuedBooleanAndEqualsForms() throws UsageException {
        Flags flags = parse("--port 80 --name=edge --verbose");
        assertEquals(80, flags.integer("port", 0, 1, 65535));
        assertEquals("edge", flags.string("name", null));
        assertTrue(flags.has("verbose"));
        assertFalse(flags.has("size"));
        assertEquals(4096, flags.size("size", 4096));
        assertEquals(Duration.ofSeconds(9), flags.duration("timeout", Duration.ofSeconds(9)));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "--size 512      | 512",
            "--size 64k      | 65536",
            "--size 2M       | 2097152",
            "--size 1g       | 1073741824",
            "--size 8589934592g | error: --size must be a positive size: 8589934592g",
            "--size 0        | error: --size must be a positive size: 0",
            "--size 2x       | error: --size is not a size (e.g. 2m, 512k): 2x",
            "--size k        | error: --size is not a size (e.g. 2m, 512k): k",
    })
    void sizes(String line, String expected) {
        check(expected, () -> Long.toString(parse(line).size("size", 1)));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "--timeout 500ms | PT0.5S",
            "--timeout 10s   | PT10S",
            "--timeout 2m    | PT2M",
            "--timeout 1h    | PT1H",
            "--timeout 0s    | error: --timeout must be positive: 0s",
            "--timeout -1s   | error: --timeout must not be negative: -1s",
            "--timeout 10    | error: --timeout needs a unit (ms, s, m, h): 10",
            "--timeout 1.5s  | error: --timeout is not a duration (e.g. 10s, 500ms): 1.5s",
            "--timeout 99999999999999999h | error: --timeout is not a duration (e.g. 10s, 500ms): 99999999999999999h",
    })
    void durations(String line, String expected) {
        check(expected, () -> parse(line).duration("timeout", Duration.ofSeconds(1)).toString());
    }

    @Test
    void aZeroDurationIsAllowedWhereTheCommandSaysSo() throws UsageException {
        assertEquals(Duration.ZERO, parse("--timeout 0s").durationOrZero("timeout", Duration.ofSeconds(5)));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "--bogus 1       | unknown flag --bogus",
            "--port          | --port needs a value",
            "--port --verbose | --port needs a value",
            "--verbose=yes   | --verbose takes no value",
            "--port 1 --port 2 | --port given twice",
            "stray           | unexpected argument 'stray'",
    })
    void badCommandLines(String line, String message) {
        assertEquals(message, assertThrows(UsageException.class, () -> parse(line)).getMessage());
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "--port 80    | 80",
            "--port 0     | error: --port must be between 1 and 65535: 0",
            "--port eighty | error: --port is not a number: eighty",
    })
    void integers(String line, String expected) {
        check(expected, () -> Integer.toString(parse(line).integer("port", 1, 1, 65535)));
    }

    @Test
    void repeatableFlagsAndPositionalArgumentsWhereTheCommandTakesThem() throws UsageException {
        Flags flags = Flags.parse(new String[] {"plot", "a.hgrm", "--external", "x=1", "b.hgrm", "--external", "y=2"},
                1, Set.of(), Set.of(), Set.of("external"), Flags.Positional.ANY);
        assertEquals(List.of("a.hgrm", "b.hgrm"), flags.positional());
        assertEquals(List.of("x=1", "y=2"), flags.all("external"));
        assertEquals("--name is required",
                assertThrows(UsageException.class, () -> flags.required("name")).getMessage());
    }

    @Test
    void settingsFromAFileCountWhereTheCommandLineIsSilentAndAreNamedByWhereTheyWereWritten() throws UsageException {
        Flags flags = parse("--port 80").over(List.of(
                new Flags.Setting("port", "8080", "edge.yaml:1: port"),
                new Flags.Setting("size", "2x", "edge.yaml:2: size"),
                new Flags.Setting("timeout", "5s", "edge.yaml:3: timeout")));
        assertEquals(80, flags.integer("port", 0, 1, 65535));
        assertTrue(flags.onCommandLine("port"));
        assertFalse(flags.onCommandLine("timeout"));
        assertEquals(Duration.ofSeconds(5), flags.duration("timeout", Duration.ZERO));
        assertEquals("edge.yaml:2: size is not a size (e.g. 2m, 512k): 2x",
                assertThrows(UsageException.class, () -> flags.size("size", 1)).getMessage());
    }

    @Test
    void collectingNotesEveryProblemAndAnswersTheFallbacks() throws UsageException {
        Flags flags = parse("--port 0 --size 2x --timeout 0s").collectProblems();
        assertEquals(1, flags.integer("port", 1, 1, 65535));
        assertEquals(7, flags.size("size", 7));
        assertEquals(Duration.ofSeconds(9), flags.duration("timeout", Duration.ofSeconds(9)));
        flags.problem("--name is odd");
        assertEquals(List.of("--port must be between 1 and 65535: 0", "--size is not a size (e.g. 2m, 512k): 2x",
                "--timeout must be positive: 0s", "--name is odd"), flags.problems());
        assertEquals(String.join("\n", flags.problems()),
                assertThrows(UsageException.class, flags::throwProblems).getMessage());
    }

    private interface Reading {
        String read() throws UsageException;
    }

    private static void check(String expected, Reading reading) {
        if (expected.startsWith("error: ")) {
            assertEquals(expected.substring("error: ".length()),
                    assertThrows(UsageException.class, reading::read).getMessage());
        } else {
            try {
                assertEquals(expected, reading.read());
            } catch (UsageException e) {
                throw new AssertionError("unexpected: " + e.getMessage(), e);
            }
        }
    }
}
