package dev.zeroedge.launcher;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code check-config --config FILE}, run as the jar's Main runs it: exit 0 with one OK line, or exit 2 with
 * one line per problem naming the file, the line and the key. The repository's sample file passes.
 */
class CheckConfigTest {

    @TempDir
    Path dir;

    private String out;
    private String err;

    private int run(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(o, true, StandardCharsets.UTF_8),
                new PrintStream(e, true, StandardCharsets.UTF_8));
        out = o.toString(StandardCharsets.UTF_8);
        err = e.toString(StandardCharsets.UTF_8);
        return code;
    }

    /** A config file in the test's directory; its root is the directory itself unless the text names one. */
    private Path file(String text) throws IOException {
        Path file = dir.resolve("zeroedge.yaml");
        Files.writeString(file, text);
        return file;
    }

    private String root() {
        return dir.toAbsolutePath().normalize().toString();
    }

    @Test
    void aGoodFileIsOneOkLine() throws IOException {
        Path file = file("""
                # a comment
                root: %s
                port: 9000
                bind: 127.0.0.1
                mode: nio-sendfile
                max-header-size: 32k
                header-timeout: 5s
                serve-dotfiles: false
                """.formatted(root()));
        assertEquals(0, run("check-config", "--config", file.toString()));
        assertEquals(file + ": OK (serve " + root() + " on 127.0.0.1:9000 in mode nio-sendfile)\n", out);
        assertEquals("", err);
    }

    @Test
    void theSampleFileOfTheRepositoryPasses() {
        // The sample publishes /srv/www; a flag wins over the file, as it does for serve.
        Path sample = Path.of("..", "packaging", "zeroedge.yaml");
        assertEquals(0, run("check-config", "--config", sample.toString(), "--root", root()), err);
        assertTrue(out.matches("\\Q" + sample + ": OK (serve " + root() + " on 0.0.0.0:8080 in mode \\E"
                + "(uring-splice|epoll-sendfile|nio-sendfile)\\)\n"), out);
    }

    @Test
    void anUnknownKey() throws IOException {
        Path file = file("root: %s\nport: 9000\nmax-conections: 10\n".formatted(root()));
        assertEquals(2, run("check-config", "--config", file.toString()));
        assertEquals("zeroedge: " + file + ":3: unknown key max-conections\n", err);
        assertEquals("", out);
    }

    @Test
    void aBadSize() throws IOException {
        Path file = file("root: %s\nmax-header-size: 16q\n".formatted(root()));
        assertEquals(2, run("check-config", "--config", file.toString()));
        assertEquals("zeroedge: " + file + ":2: max-header-size is not a size (e.g. 2m, 512k): 16q\n", err);
    }

    @Test
    void aBadDuration() throws IOException {
        Path file = file("root: %s\nheader-timeout: 10\nidle-timeout: 1.5s\nsend-timeout: 0s\n".formatted(root()));
        assertEquals(2, run("check-config", "--config", file.toString()));
        assertEquals("zeroedge: " + file + ":2: header-timeout needs a unit (ms, s, m, h): 10\n"
                + "zeroedge: " + file + ":3: idle-timeout is not a duration (e.g. 10s, 500ms): 1.5s\n"
                + "zeroedge: " + file + ":4: send-timeout must be positive: 0s\n", err);
    }

    @Test
    void badYamlSyntaxIsOneLineWithItsLine() throws IOException {
        Path file = file("root: %s\nport: 9000\n  bind: 127.0.0.1\n".formatted(root()));
        assertEquals(2, run("check-config", "--config", file.toString()));
        assertEquals("zeroedge: " + file + ":3: not YAML: mapping values are not allowed here\n", err);
    }

    @Test
    void everyProblemIsALineInTheFilesOrder() throws IOException {
        Path file = file("""
                port: 70000
                root: %s/absent
                mode: warp
                serve-dotfiles: yes
                config: other.yaml
                port: 80
                fs-threads:
                event-loops: [1, 2]
                """.formatted(root()));
        assertEquals(2, run("check-config", "--config", file.toString()));
        String f = "zeroedge: " + file;
        assertEquals(f + ":1: port must be between 0 and 65535: 70000\n"
                + f + ":2: root " + root() + "/absent is not a directory\n"
                + f + ":3: mode warp is unavailable: unknown mode (known: uring-splice, epoll-sendfile, nio-sendfile,"
                + " epoll-mmap, epoll-copy)\n"
                + f + ":4: serve-dotfiles must be true or false: yes\n"
                + f + ":5: config is a flag of the command line only\n"
                + f + ":6: port given twice (first on line 1)\n"
                + f + ":7: fs-threads has no value\n"
                + f + ":8: event-loops takes one value, not a list or a mapping\n", err);
    }

    @Test
    void anOriginsSectionMapsHostsToOrigins() throws IOException {
        Path file = file("""
                origin: http://127.0.0.1:9001
                cache-dir: %s/cache
                bind: 127.0.0.1
                mode: nio-sendfile
                parents: http://127.0.0.1:9101,http://127.0.0.1:9102
                cdn-id: edge-7
                origins:
                  img.example.com: http://127.0.0.1:9002
                  video.example.com:
                    url: http://127.0.0.1:9003
                    connect-timeout: 1s
                    first-byte-timeout: 5s
                    idle-timeout: 10s
                    max-object-size: 512m
                    max-size: 2g
                parent-probe-interval: 500ms
                """.formatted(root()));
        assertEquals(0, run("check-config", "--config", file.toString()), err);
        assertTrue(out.startsWith(file + ": OK (serve "), out);
    }

    @Test
    void theOriginsSharesMustFitInTheCacheAndOneOriginHasOne() throws IOException {
        Path file = file("""
                origin: http://127.0.0.1:9001
                cache-dir: %s/cache
                cache-max-size: 10g
                mode: nio-sendfile
                origins:
                  img.example.com:
                    url: http://127.0.0.1:9002
                    max-size: 6g
                  img2.example.com:
                    url: http://127.0.0.1:9002
                    max-size: 5g
                  video.example.com:
                    url: http://127.0.0.1:9003
                    max-size: 5g
                  tiny.example.com:
                    url: http://127.0.0.1:9004
                    max-size: 1
                """.formatted(root()));
        assertEquals(2, run("check-config", "--config", file.toString()));
        String f = "zeroedge: " + file;
        assertEquals(f + ":11: origins: img2.example.com max-size: http://127.0.0.1:9002 has max-size 6442450944"
                + " bytes already (img.example.com), not 5368709120: the Hosts of one origin share one max-size\n"
                + f + ":14: origins: video.example.com max-size: the origins' max-size add up to 11811160064"
                + " bytes, more than cache-max-size (10737418240 bytes)\n"
                + f + ":17: origins: tiny.example.com max-size must be within 1024..9223372036854775806 bytes: 1\n",
                err);
    }

    @Test
    void everyProblemOfTheOriginsSectionHasItsLine() throws IOException {
        Path file = file("""
                origin: http://127.0.0.1:9001
                cache-dir: %s/cache
                mode: nio-sendfile
                parents: http://127.0.0.1:9101,https://p2
                cdn-id: a b
                origins:
                  img.example.com: ftp://127.0.0.1:9002
                  video.example.com:
                    url: http://127.0.0.1:9003
                    connect-timeout: 1
                    max-object-size: 5q
                    retries: 3
                  video.example.com: http://127.0.0.1:9004
                  cold.example.com:
                    idle-timeout: 1s
                  empty.example.com:
                """.formatted(root()));
        assertEquals(2, run("check-config", "--config", file.toString()));
        String f = "zeroedge: " + file;
        assertEquals(f + ":4: parents must be http://HOST[:PORT], not https://p2\n"
                + f + ":5: cdn-id a cdn-id is a host[:port] or a token (letters, digits, -._~:): a b\n"
                + f + ":7: origins: img.example.com url must be http://HOST[:PORT], not ftp://127.0.0.1:9002\n"
                + f + ":10: origins: video.example.com connect-timeout needs a unit (ms, s, m, h): 1\n"
                + f + ":11: origins: video.example.com max-object-size is not a size (e.g. 2m, 512k): 5q\n"
                + f + ":12: origins: video.example.com: unknown key retries (one of url, connect-timeout,"
                + " first-byte-timeout, idle-timeout, max-object-size, max-size)\n"
                + f + ":13: origins: video.example.com given twice (first on line 8)\n"
                + f + ":14: origins: cold.example.com needs url: http://HOST:PORT\n"
                + f + ":16: origins: empty.example.com has no origin\n", err);
    }

    @Test
    void anOriginsSectionNeedsACache() throws IOException {
        Path file = file("root: %s\norigins:\n  img.example.com: http://127.0.0.1:9002\n".formatted(root()));
        assertEquals(2, run("check-config", "--config", file.toString()));
        assertEquals("zeroedge: " + file + ":3: origins needs origin: (the default origin) and cache-dir\n", err);
    }

    @Test
    void aFlagWinsOverTheFileAndIsNamedAsAFlag() throws IOException {
        Path file = file("root: %s\nbind: 127.0.0.1\nport: 9000\nmode: nio-sendfile\n".formatted(root()));
        assertEquals(0, run("check-config", "--config", file.toString(), "--port", "9001"));
        assertEquals(file + ": OK (serve " + root() + " on 127.0.0.1:9001 in mode nio-sendfile)\n", out);
        assertEquals(2, run("check-config", "--config", file.toString(), "--max-headers", "0"));
        assertEquals("zeroedge: --max-headers must be between 1 and 10000: 0\n", err);
    }

    @Test
    void aMissingFileOrRootOrNoMapping() throws IOException {
        assertEquals(2, run("check-config", "--config", dir.resolve("none.yaml").toString()));
        assertEquals("zeroedge: " + dir.resolve("none.yaml") + ": no such file\n", err);
        Path file = file("port: 9000\n");
        assertEquals(2, run("check-config", "--config", file.toString()));
        assertEquals("zeroedge: --root DIR is required (or root: in " + file + ")\n", err);
        file = file("- root\n- port\n");
        assertEquals(2, run("check-config", "--config", file.toString()));
        assertEquals("zeroedge: " + file + ":1: not a mapping of keys to values (key: value lines)\n", err);
        assertEquals(2, run("check-config", "--root", root()));
        assertEquals("zeroedge: check-config needs --config FILE\n", err);
    }

    @Test
    void serveReadsTheFileTheSameWay() throws IOException {
        Path file = file("root: %s\nmax-header-size: 16q\n".formatted(root()));
        assertEquals(2, run("serve", "--config", file.toString()));
        assertEquals("zeroedge: " + file + ":2: max-header-size is not a size (e.g. 2m, 512k): 16q\n", err);
    }
}
