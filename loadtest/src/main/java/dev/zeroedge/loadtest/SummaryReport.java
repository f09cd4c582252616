package dev.zeroedge.loadtest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The comparison as {@code summary.md} and {@code summary.json}: one row per mode × workload, grouped by
 * workload, each with its ratio to {@code epoll-sendfile} on the same workload when that mode ran.
 *
 * @param setup what was run, how (command, rate, pinning, kernel...), in the order to print it
 * @param rows  in the order they were measured
 * @param notes what went wrong outside the rows (a mode that did not start, say)
 */
record SummaryReport(Map<String, String> setup, List<SummaryRow> rows, List<String> notes) {

    SummaryReport {
        rows = withRatios(rows);
    }

    /** Rows grouped by workload (in first-seen order), each compared with the baseline's row. */
    private static List<SummaryRow> withRatios(List<SummaryRow> measured) {
        List<String> workloads = measured.stream().map(SummaryRow::workload).distinct().toList();
        List<SummaryRow> sorted = new ArrayList<>(measured);
        sorted.sort(Comparator.comparingInt(row -> workloads.indexOf(row.workload())));
        List<SummaryRow> rows = new ArrayList<>();
        for (SummaryRow row : sorted) {
            SummaryRow baseline = sorted.stream()
                    .filter(b -> b.target().equals(SummaryRow.BASELINE) && b.workload().equals(row.workload()))
                    .findFirst().orElse(null);
            rows.add(baseline == null ? row : row.comparedTo(baseline));
        }
        return List.copyOf(rows);
    }

    void write(Path dir) throws IOException {
        Files.writeString(dir.resolve("summary.md"), markdown());
        Files.writeString(dir.resolve("summary.json"), json() + "\n");
    }

    String json() {
        return Json.text(toJson(), true);
    }

    Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("setup", new LinkedHashMap<String, Object>(setup));
        json.put("baseline", SummaryRow.BASELINE);
        json.put("rows", rows.stream().map(SummaryRow::toJson).map(m -> (Object) m).toList());
        json.put("notes", new ArrayList<Object>(notes));
        return json;
    }

    String markdown() {
        StringBuilder md = new StringBuilder("# zeroedge: modes compared\n\n");
        setup.forEach((key, value) -> md.append("- ").append(key).append(": `").append(value).append("`\n"));
        md.append('\n').append(table());
        if (!notes.isEmpty()) {
            md.append('\n');
            notes.forEach(note -> md.append("- ").append(note).append('\n'));
        }
        md.append("""

                Latency in ms from each request's intended start (open loop) or its send (closed loop, `--rate max`).
                CPU = utime+stime of the server process (all threads) during the measured phase; GB = 10^9 body bytes;
                ctx sw = voluntary + involuntary context switches summed over the server's threads; RSS = VmHWM.
                client CPU % = the load generator's own CPU (100 = one CPU busy): at 100 per client thread the client was the limit.
                "vs epoll-sendfile" = requests/s ratio and CPU-s/GB ratio to epoll-sendfile on the same workload.
                """);
        return md.toString();
    }

    /** The Markdown table alone (the README's "Comparing modes" section quotes it). */
    String table() {
        StringBuilder md = new StringBuilder();
        md.append("| workload | server | req/s | Gbit/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | errors "
                + "| CPU-s/GB | CPU-s/10k req | ctx sw/req | peak RSS MiB | client CPU % | req/s vs " + SummaryRow.BASELINE
                + " | CPU/GB vs " + SummaryRow.BASELINE + " |\n");
        md.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (SummaryRow r : rows) {
            md.append("| ").append(r.workload()).append(" | ").append(r.target())
                    .append(" | ").append(figure(r.requestsPerSecond()))
                    .append(" | ").append(figure(r.gbitPerSecond()))
                    .append(" | ").append(figure(r.p50()))
                    .append(" | ").append(figure(r.p90()))
                    .append(" | ").append(figure(r.p99()))
                    .append(" | ").append(figure(r.p999()))
                    .append(" | ").append(figure(r.max()))
                    .append(" | ").append(errors(r))
                    .append(" | ").append(figure(r.cpuSecondsPerGb()))
                    .append(" | ").append(figure(r.cpuSecondsPer10kRequests()))
                    .append(" | ").append(figure(r.contextSwitchesPerRequest()))
                    .append(" | ").append(figure(r.peakRssMib()))
                    .append(" | ").append(figure(r.clientCpuPercent()))
                    .append(" | ").append(figure(r.throughputRatio()))
                    .append(" | ").append(figure(r.cpuPerGbRatio()))
                    .append(" |\n");
        }
        return md.toString();
    }

    private static String errors(SummaryRow r) {
        if (r.errors() == 0) {
            return "0";
        }
        StringBuilder text = new StringBuilder();
        r.errorKinds().forEach((kind, count) -> text.append(text.isEmpty() ? "" : ", ").append(count).append(' ').append(kind));
        return text.toString();
    }

    /** Three significant figures, enough to compare modes and no more than the noise allows. */
    static String figure(double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return "–";
        }
        double abs = Math.abs(value);
        if (abs >= 100 || value == 0) {
            return String.format(Locale.ROOT, "%.0f", value);
        }
        if (abs >= 10) {
            return String.format(Locale.ROOT, "%.1f", value);
        }
        if (abs >= 1) {
            return String.format(Locale.ROOT, "%.2f", value);
        }
        return new java.math.BigDecimal(value).round(new java.math.MathContext(3)).stripTrailingZeros().toPlainString();
    }
}
