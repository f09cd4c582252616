package dev.zeroedge.loadtest;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Latency by percentile, in microseconds: the points of HdrHistogram's percentile distribution
 * ({@code .hgrm}), which is what the charts draw. It comes from a recorded histogram or from any
 * {@code .hgrm} file (ours, wrk2's, or another tool's).
 */
record PercentileCurve(String label, List<Point> points) {

    /** Five ticks per half distance, as {@code outputPercentileDistribution} writes them. */
    static final int TICKS_PER_HALF_DISTANCE = 5;

    /** Nanoseconds in the histogram, microseconds in the {@code .hgrm}. */
    static final double NANOS_PER_MICRO = 1000.0;

    /** @param percentile between 0 and 1 */
    record Point(double percentile, double micros) {
    }

    static PercentileCurve of(String label, Histogram nanos) {
        List<Point> points = new ArrayList<>();
        if (nanos.getTotalCount() > 0) {
            for (HistogramIterationValue v : nanos.percentiles(TICKS_PER_HALF_DISTANCE)) {
                points.add(new Point(v.getPercentileLevelIteratedTo() / 100.0,
                        nanos.highestEquivalentValue(v.getValueIteratedTo()) / NANOS_PER_MICRO));
            }
        }
        return new PercentileCurve(label, points);
    }

    /** Writes the standard {@code .hgrm} text of a histogram recorded in nanoseconds. */
    static void writeHgrm(Histogram nanos, Path file) throws IOException {
        try (OutputStream out = Files.newOutputStream(file); PrintStream print = new PrintStream(out, false, "US-ASCII")) {
            nanos.outputPercentileDistribution(print, TICKS_PER_HALF_DISTANCE, NANOS_PER_MICRO);
        }
    }

    /**
     * Reads the rows of a {@code .hgrm}: {@code Value Percentile TotalCount 1/(1-Percentile)}; the
     * header, the {@code #[...]} footer and blank lines are skipped.
     */
    static PercentileCurve readHgrm(String label, Path file) throws IOException {
        List<Point> points = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            String[] columns = line.trim().split("\\s+");
            if (columns.length < 3 || !Character.isDigit(columns[0].charAt(0))) {
                continue;
            }
            try {
                points.add(new Point(Double.parseDouble(columns[1]), Double.parseDouble(columns[0])));
            } catch (NumberFormatException e) {
                // The "Value Percentile TotalCount" header and other non-data lines.
            }
        }
        if (points.isEmpty()) {
            throw new IOException(file + " has no percentile rows (not an .hgrm file?)");
        }
        return new PercentileCurve(label, points);
    }

    /**
     * {@code {"label": ..., "points": [[x, micros], ...]}} with {@code x = log10(1 / (1 - percentile))}, the
     * chart's axis (1 = 90%, 2 = 99%, 3 = 99.9%); x is null for the 100% point (the maximum). Sending x
     * rather than the percentile keeps the tail apart: 99.99999% would round to 1 at six digits.
     */
    Map<String, Object> toJson() {
        List<Object> pairs = new ArrayList<>(points.size());
        for (Point p : points) {
            double x = p.percentile() < 1 ? -Math.log10(1 - p.percentile()) : Double.POSITIVE_INFINITY;
            pairs.add(java.util.Arrays.asList(x, p.micros()));
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("label", label);
        json.put("points", pairs);
        return json;
    }
}
