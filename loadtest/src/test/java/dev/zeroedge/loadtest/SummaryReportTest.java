package dev.zeroedge.loadtest;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SummaryReportTest {

    /**
     * 10 s, 1000 responses of 1 MiB, latencies of 1..1000 steps, 2 timeouts. The percentiles in the JSON are
     * the histogram's (three significant digits, highest equivalent value): 0.500223 ms for the 500 µs median.
     */
    private static Measurement measurement(long latencyStepNanos) {
        Histogram h = new Histogram(3);
        for (int i = 1; i <= 1000; i++) {
            h.recordValue(i * latencyStepNanos);
        }
        Map<ErrorKind, Long> errors = new EnumMap<>(ErrorKind.class);
        errors.put(ErrorKind.TIMEOUT, 2L);
        errors.put(ErrorKind.STATUS, 0L);
        return new Measurement(h, 1000, 1000L * 1024 * 1024, errors, 10_000_000_000L);
    }

    @Test
    void rowsCarryEveryColumnAndTheRatioToEpollSendfile(@TempDir Path dir) throws IOException {
        // epoll-sendfile: 20 CPU ticks (0.2 s at 100 Hz), 3000 switches; nio-sendfile twice the CPU.
        ServerCost epollCost = new ServerCost(20, 20, 2500, 500, 204_800);
        ServerCost nioCost = new ServerCost(40, 40, 5000, 1000, 102_400);
        SummaryRow nio = SummaryRow.of("nio-sendfile", "1m", measurement(1000), scaled(nioCost), scaled(new ServerCost(500, 500, 0, 0, 0)));
        SummaryRow epoll = SummaryRow.of("epoll-sendfile", "1m", measurement(2000), scaled(epollCost), null);
        SummaryRow nginx = SummaryRow.of("nginx", "1m", measurement(1000), null, null);
        Map<String, String> setup = new LinkedHashMap<>();
        setup.put("command", "compare --modes nio-sendfile,epoll-sendfile");
        SummaryReport report = new SummaryReport(setup, List.of(nio, epoll, nginx), List.of("mode x did not start"));

        assertEquals("""
                {
                  "setup": {
                    "command": "compare --modes nio-sendfile,epoll-sendfile"
                  },
                  "baseline": "epoll-sendfile",
                  "rows": [
                    {
                      "target": "nio-sendfile",
                      "workload": "1m",
                      "requests_per_s": 100,
                      "gbit_per_s": 0.838861,
                      "latency_ms": {
                        "p50": 0.500223,
                        "p90": 0.900095,
                        "p99": 0.990207,
                        "p99_9": 0.999423,
                        "max": 1.00045
                      },
                      "responses": 1000,
                      "errors": 2,
                      "error_kinds": {
                        "timeout": 2
                      },
                      "cpu_s": 0.4,
                      "cpu_s_per_gb": 0.38147,
                      "cpu_s_per_10k_requests": 4,
                      "context_switches_per_request": 6,
                      "peak_rss_mib": 100,
                      "client_cpu_percent": 50,
                      "vs_epoll_sendfile": {
                        "requests_per_s": 1,
                        "cpu_s_per_gb": 2
                      }
                    },
                    {
                      "target": "epoll-sendfile",
                      "workload": "1m",
                      "requests_per_s": 100,
                      "gbit_per_s": 0.838861,
                      "latency_ms": {
                        "p50": 1.00045,
                        "p90": 1.80019,
                        "p99": 1.98042,
                        "p99_9": 1.99885,
                        "max": 2.00089
                      },
                      "responses": 1000,
                      "errors": 2,
                      "error_kinds": {
                        "timeout": 2
                      },
                      "cpu_s": 0.2,
                      "cpu_s_per_gb": 0.190735,
                      "cpu_s_per_10k_requests": 2,
                      "context_switches_per_request": 3,
                      "peak_rss_mib": 200,
                      "client_cpu_percent": null,
                      "vs_epoll_sendfile": {
                        "requests_per_s": 1,
                        "cpu_s_per_gb": 1
                      }
                    },
                    {
                      "target": "nginx",
                      "workload": "1m",
                      "requests_per_s": 100,
                      "gbit_per_s": 0.838861,
                      "latency_ms": {
                        "p50": 0.500223,
                        "p90": 0.900095,
                        "p99": 0.990207,
                        "p99_9": 0.999423,
                        "max": 1.00045
                      },
                      "responses": 1000,
                      "errors": 2,
                      "error_kinds": {
                        "timeout": 2
                      },
                      "cpu_s": null,
                      "cpu_s_per_gb": null,
                      "cpu_s_per_10k_requests": null,
                      "context_switches_per_request": null,
                      "peak_rss_mib": null,
                      "client_cpu_percent": null,
                      "vs_epoll_sendfile": {
                        "requests_per_s": 1,
                        "cpu_s_per_gb": null
                      }
                    }
                  ],
                  "notes": ["mode x did not start"]
                }""", report.json());

        report.write(dir);
        assertEquals(report.json() + "\n", Files.readString(dir.resolve("summary.json")));
        String md = Files.readString(dir.resolve("summary.md"));
        assertTrue(md.contains("| 1m | nio-sendfile | 100 | 0.839 | 0.5 | 0.9 | 0.99 | 0.999 | 1.00 | 2 timeout "
                + "| 0.381 | 4.00 | 6.00 | 100 | 50.0 | 1.00 | 2.00 |\n"), md);
        assertTrue(md.contains("| 1m | nginx | 100 | 0.839 | 0.5 | 0.9 | 0.99 | 0.999 | 1.00 | 2 timeout | – | – | – | – | – | 1.00 | – |\n"), md);
        assertTrue(md.contains("- mode x did not start\n"), md);
    }

    /** The fixtures are in 100 Hz ticks; scale them to this machine's clock so the seconds stay exact. */
    private static ServerCost scaled(ServerCost at100Hz) {
        long ticks = at100Hz.ticks() * ServerCost.TICKS_PER_SECOND / 100;
        return new ServerCost(ticks, ticks, at100Hz.voluntarySwitches(), at100Hz.involuntarySwitches(), at100Hz.peakRssKib());
    }

    @Test
    void jsonEscapesWhatCouldBreakTheReportPage() {
        assertEquals("{\"a\":\"\\u003c/script> \\\"q\\\" \\\\ \\n\"}", Json.text(Map.of("a", "</script> \"q\" \\ \n"), false));
        assertEquals("[1.5,null,3,0.000123457]", Json.text(java.util.Arrays.asList(1.5, Double.NaN, 3L, 0.0001234567), false));
    }
}
