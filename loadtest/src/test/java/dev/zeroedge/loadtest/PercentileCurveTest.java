package dev.zeroedge.loadtest;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PercentileCurveTest {

    @Test
    void hgrmReadBackGivesTheRecordedPercentiles(@TempDir Path dir) throws IOException {
        Histogram nanos = new Histogram(3);
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < 100_000; i++) {
            // 50 µs .. 2 ms, with a tail up to 800 ms: the shape of a real run.
            nanos.recordValue(i % 1000 == 0 ? 1_000_000L * random.nextInt(1, 800) : random.nextLong(50_000, 2_000_000));
        }
        Path file = dir.resolve("run.hgrm");
        PercentileCurve.writeHgrm(nanos, file);

        String text = Files.readString(file);
        assertTrue(text.startsWith("       Value     Percentile TotalCount 1/(1-Percentile)"), text.lines().findFirst().orElseThrow());
        assertTrue(java.util.regex.Pattern.compile("#\\[Max\\s+=\\s+[0-9.]+, Total count\\s+=\\s+100000\\]").matcher(text).find(), text);

        PercentileCurve read = PercentileCurve.readHgrm("run", file);
        PercentileCurve recorded = PercentileCurve.of("run", nanos);
        assertEquals(recorded.points().size(), read.points().size());
        for (int i = 0; i < read.points().size(); i++) {
            PercentileCurve.Point r = read.points().get(i);
            PercentileCurve.Point h = recorded.points().get(i);
            // The file holds microseconds with three decimals and percentiles with twelve.
            assertEquals(h.micros(), r.micros(), 0.0005, "value at row " + i);
            assertEquals(h.percentile(), r.percentile(), 1e-12, "percentile at row " + i);
        }
        List<PercentileCurve.Point> points = read.points();
        assertEquals(1.0, points.getLast().percentile());
        assertEquals(nanos.highestEquivalentValue(nanos.getMaxValue()) / 1000.0, points.getLast().micros(), 0.0005);
        // Every row at or below 50% is at most the median, every row above it at least the median.
        double median = nanos.getValueAtPercentile(50) / 1000.0;
        points.forEach(p -> assertTrue(p.percentile() <= 0.5 ? p.micros() <= median : p.micros() >= median, p.toString()));
    }

    @Test
    void readsAnHgrmWrittenByAnotherTool(@TempDir Path dir) throws IOException {
        // wrk2 --u_latency prints the same table; a few rows of one, footer included.
        Path file = dir.resolve("wrk2.hgrm");
        Files.writeString(file, """
                       Value   Percentile   TotalCount 1/(1-Percentile)

                       0.120     0.000000            1         1.00
                       0.250     0.500000        50000         2.00
                       1.500     0.990000        99000       100.00
                       9.800     1.000000       100000          inf
                #[Mean    =        0.300, StdDeviation   =        0.100]
                #[Max     =        9.800, Total count    =       100000]
                """);
        PercentileCurve curve = PercentileCurve.readHgrm("wrk2", file);
        assertEquals(List.of(new PercentileCurve.Point(0, 0.12), new PercentileCurve.Point(0.5, 0.25),
                new PercentileCurve.Point(0.99, 1.5), new PercentileCurve.Point(1, 9.8)), curve.points());
    }

    @Test
    void refusesAFileWithoutRows(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("empty.hgrm");
        Files.writeString(file, "not a histogram\n");
        assertThrows(IOException.class, () -> PercentileCurve.readHgrm("x", file));
    }

    @Test
    void chartAxisIsLogOfTheInverseTail() {
        PercentileCurve curve = new PercentileCurve("m", List.of(new PercentileCurve.Point(0.9, 1),
                new PercentileCurve.Point(0.999, 2), new PercentileCurve.Point(1, 3)));
        assertEquals("{\"label\":\"m\",\"points\":[[1,1],[3,2],[null,3]]}", Json.text(curve.toJson(), false));
    }
}
