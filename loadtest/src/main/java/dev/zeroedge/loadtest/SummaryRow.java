package dev.zeroedge.loadtest;

import org.HdrHistogram.Histogram;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One mode × workload line of the summary. Latency in milliseconds; the server's cost columns are NaN
 * when its PID is unknown (an external server given without {@code pid=}); the ratios are NaN until
 * {@link #comparedTo} sets them.
 *
 * @param cpuSecondsPerGb          server CPU seconds per 10^9 body bytes
 * @param clientCpuPercent         the load generator's own CPU over the phase, in % of one CPU: near
 *                                 100 × client threads, the client was the limit, not the server
 * @param throughputRatio          requests/s of this row ÷ requests/s of the baseline (epoll-sendfile)
 *                                 for the same workload
 * @param cpuPerGbRatio            CPU-s/GB of this row ÷ the baseline's
 */
record SummaryRow(String target, String workload, double requestsPerSecond, double gbitPerSecond,
                  double p50, double p90, double p99, double p999, double max, long responses, long errors,
                  Map<String, Long> errorKinds, double cpuSeconds, double cpuSecondsPerGb,
                  double cpuSecondsPer10kRequests, double contextSwitchesPerRequest, double peakRssMib,
                  double clientCpuPercent, double throughputRatio, double cpuPerGbRatio) {

    static final String BASELINE = "epoll-sendfile";

    /**
     * @param cost   the server's cost over the measured phase, or null when its PID is unknown
     * @param client the load generator's own cost over the phase, or null
     */
    static SummaryRow of(String target, String workload, Measurement m, ServerCost cost, ServerCost client) {
        Histogram h = m.histogram();
        Map<String, Long> kinds = new LinkedHashMap<>();
        m.errors().forEach((kind, count) -> {
            if (count > 0) {
                kinds.put(kind.label, count);
            }
        });
        double cpu = cost == null ? Double.NaN : cost.cpuSeconds();
        double gigabytes = m.bodyBytes() / 1e9;
        return new SummaryRow(target, workload, m.requestsPerSecond(), m.gbitPerSecond(),
                millis(h, 50), millis(h, 90), millis(h, 99), millis(h, 99.9),
                h.getTotalCount() == 0 ? Double.NaN : h.getMaxValue() / 1e6,
                m.responses(), m.errorCount(), kinds, cpu,
                cpu / gigabytes, cpu / (m.responses() / 10_000.0),
                cost == null ? Double.NaN : (double) cost.contextSwitches() / m.responses(),
                cost == null ? Double.NaN : cost.peakRssKib() / 1024.0,
                client == null ? Double.NaN : client.cpuSeconds() / m.seconds() * 100,
                Double.NaN, Double.NaN);
    }

    private static double millis(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1e6;
    }

    SummaryRow comparedTo(SummaryRow baseline) {
        return new SummaryRow(target, workload, requestsPerSecond, gbitPerSecond, p50, p90, p99, p999, max,
                responses, errors, errorKinds, cpuSeconds, cpuSecondsPerGb, cpuSecondsPer10kRequests,
                contextSwitchesPerRequest, peakRssMib, clientCpuPercent, requestsPerSecond / baseline.requestsPerSecond,
                cpuSecondsPerGb / baseline.cpuSecondsPerGb);
    }

    Map<String, Object> toJson() {
        Map<String, Object> latency = new LinkedHashMap<>();
        latency.put("p50", p50);
        latency.put("p90", p90);
        latency.put("p99", p99);
        latency.put("p99_9", p999);
        latency.put("max", max);
        Map<String, Object> ratio = new LinkedHashMap<>();
        ratio.put("requests_per_s", throughputRatio);
        ratio.put("cpu_s_per_gb", cpuPerGbRatio);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("target", target);
        json.put("workload", workload);
        json.put("requests_per_s", requestsPerSecond);
        json.put("gbit_per_s", gbitPerSecond);
        json.put("latency_ms", latency);
        json.put("responses", responses);
        json.put("errors", errors);
        json.put("error_kinds", new LinkedHashMap<String, Object>(errorKinds));
        json.put("cpu_s", cpuSeconds);
        json.put("cpu_s_per_gb", cpuSecondsPerGb);
        json.put("cpu_s_per_10k_requests", cpuSecondsPer10kRequests);
        json.put("context_switches_per_request", contextSwitchesPerRequest);
        json.put("peak_rss_mib", peakRssMib);
        json.put("client_cpu_percent", clientCpuPercent);
        json.put("vs_" + BASELINE.replace('-', '_'), ratio);
        return json;
    }
}
