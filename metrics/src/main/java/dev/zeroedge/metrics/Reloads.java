package dev.zeroedge.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * What the launcher tells of configuration reloads (SIGHUP): each one that applied, each one refused (a bad
 * file changes nothing). Exposed as {@code zeroedge_config_reloads_total} and
 * {@code zeroedge_config_reload_failures_total}.
 */
public final class Reloads {

    private final Counter applied;
    private final Counter failed;

    Reloads(PrometheusRegistry registry) {
        applied = Counter.builder().name("zeroedge_config_reloads_total")
                .help("Configuration reloads that applied").register(registry);
        failed = Counter.builder().name("zeroedge_config_reload_failures_total")
                .help("Configuration reloads refused: the file was bad and nothing changed").register(registry);
    }

    public void applied() {
        applied.inc();
    }

    public void failed() {
        failed.inc();
    }
}
