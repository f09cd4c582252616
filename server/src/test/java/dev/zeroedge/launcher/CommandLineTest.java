package dev.zeroedge.launcher;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Command lines that cannot run end with one line on stderr and exit code 2. */
class CommandLineTest {

    @TempDir
    Path root;

    private String err;
    private String out;

    private int run(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8));
        out = o.toString(StandardCharsets.UTF_8);
        err = e.toString(StandardCharsets.UTF_8);
        return code;
    }

    private void assertOneLineError(String expected) {
        assertTrue(err.startsWith("zeroedge: "), err);
        assertTrue(err.contains(expected), "'" + expected + "' in: " + err);
        assertEquals(1, err.lines().count(), err);
    }

    @Test
    void helpPrintsUsageAndExitsZero() {
        assertEquals(0, run("--help"));
        assertTrue(out.contains("serve --root DIR"), out);
    }

    @Test
    void unknownFlag() {
        assertEquals(2, run("serve", "--root", root.toString(), "--bogus"));
        assertOneLineError("unknown flag --bogus");
    }

    @Test
    void unknownCommand() {
        assertEquals(2, run("launch"));
        assertOneLineError("unknown command 'launch'");
    }

    @Test
    void missingRoot() {
        assertEquals(2, run("serve", "--port", "0"));
        assertOneLineError("--root DIR is required");
        assertEquals(2, run("serve", "--root", root.resolve("absent").toString(), "--port", "0"));
        assertOneLineError("is not a directory");
    }

    @Test
    void originAndRootExcludeEachOtherAndTheCacheNeedsItsDirectory() {
        assertEquals(2, run("serve", "--root", root.toString(), "--origin", "http://127.0.0.1:9",
                "--cache-dir", root.resolve("cache").toString(), "--port", "0"));
        assertOneLineError("--origin and --root exclude each other");
        assertEquals(2, run("serve", "--origin", "http://127.0.0.1:9", "--port", "0"));
        assertOneLineError("--origin needs --cache-dir DIR");
        assertEquals(2, run("serve", "--root", root.toString(), "--cache-dir", root.toString(), "--port", "0"));
        assertOneLineError("--cache-dir needs --origin");
        assertEquals(2, run("serve", "--origin", "https://example.com/x", "--cache-dir", root.toString(),
                "--port", "0"));
        assertOneLineError("origin must be http://HOST[:PORT]");
    }

    @Test
    void badValues() {
        assertEquals(2, run("serve", "--root", root.toString(), "--port", "70000"));
        assertOneLineError("--port must be between 0 and 65535");
        assertEquals(2, run("serve", "--root", root.toString(), "--header-timeout", "10"));
        assertOneLineError("needs a unit");
        assertEquals(2, run("serve", "--root", root.toString(), "--send-timeout", "0s"));
        assertOneLineError("--send-timeout must be positive: 0s");
        assertEquals(2, run("serve", "--root", root.toString(), "--sendfile-max-chunk", "lots"));
        assertOneLineError("is not a size");
        assertEquals(2, run("serve", "--root", root.toString(), "--inline-body-max", "257k"));
        assertOneLineError("--inline-body-max must be within 0..262144 bytes: 257k");
        assertEquals(2, run("serve", "--root", root.toString(), "--sendfile-max-chunk", "0"));
        assertOneLineError("--sendfile-max-chunk must be a positive size: 0");
        assertEquals(2, run("serve", "--root", root.toString(), "--port"));
        assertOneLineError("--port needs a value");
    }

    @Test
    void unknownModeFailsWithTheKnownOnes() {
        assertEquals(2, run("serve", "--root", root.toString(), "--port", "0", "--mode", "turbo"));
        assertOneLineError("mode turbo is unavailable: unknown mode");
    }

    @Test
    void badObservingValues() {
        assertEquals(2, run("serve", "--root", root.toString(), "--admin", "x:port"));
        assertOneLineError("--admin x:port: not a port: x:port");
        assertEquals(2, run("serve", "--root", root.toString(), "--admin", "70000"));
        assertOneLineError("--admin 70000: port out of range: 70000");
        assertEquals(2, run("serve", "--root", root.toString(), "--access-log-format", "xml"));
        assertOneLineError("--access-log-format: unknown access-log format xml (known: combined, json)");
        assertEquals(2, run("serve", "--root", root.toString(), "--access-log-queue", "0"));
        assertOneLineError("--access-log-queue must be between 1 and 10000000: 0");
        assertEquals(2, run("serve", "--root", root.toString(), "--mode", "nio-sendfile", "--access-log",
                root.resolve("absent").resolve("access.log").toString()));
        assertOneLineError("--access-log " + root.resolve("absent").resolve("access.log") + ": cannot open: ");
    }

    /** The admin port is taken: the server that already listens stops again, and the error is one line. */
    @Test
    void adminPortInUse() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertEquals(2, run("serve", "--root", root.toString(), "--bind", "127.0.0.1", "--port", "0",
                    "--mode", "nio-sendfile", "--admin", Integer.toString(taken.getLocalPort())));
            assertOneLineError("--admin: cannot listen on 127.0.0.1:" + taken.getLocalPort());
        }
    }

    @Test
    void portInUse() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertEquals(2, run("serve", "--root", root.toString(), "--bind", "127.0.0.1",
                    "--port", Integer.toString(taken.getLocalPort()), "--mode", "nio-sendfile"));
            assertOneLineError("cannot listen on 127.0.0.1:" + taken.getLocalPort());
        }
    }
}
