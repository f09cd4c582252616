package dev.zeroedge.loadtest;

import org.HdrHistogram.EncodableHistogram;
import org.HdrHistogram.HistogramLogReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code compare} end to end against the real server jar: two modes started by the runner, and a third
 * server (nio-sendfile again, started here) given as {@code --external} with its PID, so both ways of
 * adding a target are exercised.
 */
class CompareCommandTest {

    private static Path serverJar() {
        Path jar = Path.of(System.getProperty("zeroedge.server.jar", "../server/target/zeroedge.jar"));
        assertTrue(Files.isRegularFile(jar), jar + " is missing: build the server module first (mvn verify builds it)");
        return jar;
    }

    @Test
    void comparesTwoServersAndWritesEveryReport(@TempDir Path dir) throws Exception {
        Path jar = serverJar();
        Corpus corpus = new Corpus(dir.resolve("corpus"));
        corpus.ensure(List.of("1k", "1m"));
        Path out = dir.resolve("out");
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        int exit;
        try (ServerProcess other = ServerProcess.start(jar, "nio-sendfile", corpus.dir(), 0, null, dir.resolve("other.log"))) {
            InetSocketAddress address = other.awaitReady(Duration.ofSeconds(30));
            exit = Main.run(new String[] {"compare", "--server-jar", jar.toString(), "--modes", "nio-sendfile,epoll-sendfile",
                    "--external", "other=http://127.0.0.1:" + address.getPort() + ",pid=" + other.pid(),
                    "--workloads", "1k,range:1m", "--range-size", "64k", "--root", corpus.dir().toString(),
                    "--duration", "1s", "--warmup", "300ms", "--connections", "4", "--check-every", "10",
                    "--out", out.toString()},
                    new PrintStream(stdout, true, StandardCharsets.UTF_8), new PrintStream(stderr, true, StandardCharsets.UTF_8));
        }
        String said = stdout.toString(StandardCharsets.UTF_8) + stderr.toString(StandardCharsets.UTF_8);
        assertEquals(0, exit, said);

        for (String target : List.of("nio-sendfile", "epoll-sendfile", "other")) {
            for (String workload : List.of("1k", "range-1m")) {
                String base = target + "_" + workload;
                PercentileCurve curve = PercentileCurve.readHgrm(base, out.resolve(base + ".hgrm"));
                assertEquals(1.0, curve.points().getLast().percentile(), base);
                long logged = loggedCount(out.resolve(base + ".hlog"));
                long hgrmTotal = hgrmTotalCount(out.resolve(base + ".hgrm"));
                assertTrue(logged > 0, base + " recorded nothing");
                assertEquals(hgrmTotal, logged, base + ": the .hlog intervals add up to the .hgrm");
            }
        }

        String json = Files.readString(out.resolve("summary.json"));
        assertEquals(6, count(json, "\"target\": "), json);
        assertEquals(6, count(json, "\"errors\": 0,"), json);
        assertEquals(0, count(json, "\"cpu_s\": null"), "every server has a PID, so every one has a cost: " + json);
        assertTrue(json.contains("\"notes\": []"), json);
        Matcher responses = Pattern.compile("\"responses\": (\\d+)").matcher(json);
        while (responses.find()) {
            assertTrue(Long.parseLong(responses.group(1)) > 10, json);
        }
        String md = Files.readString(out.resolve("summary.md"));
        assertTrue(md.contains("| 1k | nio-sendfile | "), md);
        assertTrue(md.contains("| 1k | epoll-sendfile | "), md);
        assertTrue(md.contains("| range-1m | other | "), md);

        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains("const DATA = {\"title\":"), "data inline");
        assertFalse(html.contains("<script src") || html.contains("<link") || html.contains("https://"), "no network");
        assertTrue(html.contains("\"title\":\"range-1m\",\"curves\":[{\"label\":\"nio-sendfile\""), "a chart per workload");
        assertTrue(Files.readString(out.resolve("nio-sendfile.server.log")).contains("mode nio-sendfile"));
        assertTrue(Files.readString(out.resolve("epoll-sendfile.server.log")).contains("mode epoll-sendfile"));
    }

    private static long loggedCount(Path hlog) throws Exception {
        long total = 0;
        HistogramLogReader reader = new HistogramLogReader(hlog.toFile());
        for (EncodableHistogram h = reader.nextIntervalHistogram(); h != null; h = reader.nextIntervalHistogram()) {
            total += ((org.HdrHistogram.Histogram) h).getTotalCount();
        }
        reader.close();
        return total;
    }

    private static long hgrmTotalCount(Path hgrm) throws Exception {
        Matcher total = Pattern.compile("Total count\\s*=\\s*(\\d+)").matcher(Files.readString(hgrm));
        assertTrue(total.find(), hgrm.toString());
        return Long.parseLong(total.group(1));
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }
}
