package dev.zeroedge.metrics;

import dev.zeroedge.cache.CacheCounters;
import dev.zeroedge.cache.EdgeCache;
import dev.zeroedge.cache.OriginRoute;
import dev.zeroedge.cache.OriginStored;
import dev.zeroedge.cache.ParentState;
import dev.zeroedge.content.StaticSource;
import dev.zeroedge.files.FileSystemPool;
import dev.zeroedge.files.OpenFileCache;
import dev.zeroedge.http.SiteObserver;
import dev.zeroedge.server.ZeroedgeServer;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Quantiles;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import io.prometheus.metrics.model.snapshots.SummarySnapshot.SummaryDataPointSnapshot;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Everything {@code GET /metrics} shows, in one registry: the serving traffic ({@link TrafficCounters}), the
 * connections, the open-file cache, the file-system pool, the mode and why, the reloads, the access log's
 * drops and the client library's JVM metrics. The zeroedge series are read when a scrape asks, from counters
 * the server keeps anyway; nothing here runs per request.
 *
 * <p>Made in two steps because the observer must exist before the server starts: {@link #observer()} goes
 * to {@link ZeroedgeServer#start}, then {@link #serving} adds what only the running server knows.
 */
public final class ServerMetrics {

    static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final TrafficCounters traffic = new TrafficCounters();
    private final Reloads reloads = new Reloads(registry);
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

    public ServerMetrics() {
        JvmMetrics.builder().register(registry);
    }

    /** What the server's connections tell; give it to {@link ZeroedgeServer#start}. */
    public SiteObserver observer() {
        return traffic;
    }

    /** Where the launcher counts configuration reloads. */
    public Reloads reloads() {
        return reloads;
    }

    /** The series of the running {@code server}, whose mode was chosen for {@code reason}. */
    public ServerMetrics serving(ZeroedgeServer server, String reason) {
        registry.register(new Collected(server, reason));
        return this;
    }

    /** {@code zeroedge_access_log_dropped_total}: lines the access log dropped because its queue was full. */
    public void countAccessLogDrops(LongSupplier dropped) {
        CounterWithCallback.builder().name("zeroedge_access_log_dropped")
                .help("Access-log lines dropped because the writer's queue was full")
                .callback(callback -> callback.call(dropped.getAsLong()))
                .register(registry);
    }

    /** One scrape in the Prometheus text format. */
    void write(OutputStream out) throws IOException {
        writer.write(out, registry.scrape());
    }

    private final class Collected implements MultiCollector {
        private final ZeroedgeServer server;
        private final String reason;

        Collected(ZeroedgeServer server, String reason) {
            this.server = server;
            this.reason = reason;
        }

        @Override
        public MetricSnapshots collect() {
            long[] t = traffic.sum();
            List<MetricSnapshot> all = new ArrayList<>();
            all.add(requests(t));
            all.add(counter("zeroedge_http_response_body_bytes",
                    "Response body bytes in the kernel, by how they left: zero_copy (the mode's sender, the bytes never"
                            + " in user space) or copied (inline bodies, error texts, the mmap and copy baselines)",
                    List.of(point(t[TrafficCounters.ZERO_COPY_BYTES], "transfer", "zero_copy"),
                            point(t[TrafficCounters.COPIED_BYTES], "transfer", "copied"))));
            all.add(counter("zeroedge_http_responses_failed",
                    "Responses that ended before all of them was in the kernel (the connection closed)",
                    List.of(point(t[TrafficCounters.FAILED]))));
            all.add(timeToLastByte(t));
            all.add(GaugeSnapshot.builder().name("zeroedge_connections_open")
                    .help("Client connections open now")
                    .dataPoint(GaugeDataPointSnapshot.builder().value(server.openConnections()).build()).build());
            all.add(counter("zeroedge_connections_accepted", "Client connections accepted",
                    List.of(point(t[TrafficCounters.ACCEPTED]))));
            all.add(counter("zeroedge_connections_refused",
                    "Client connections refused with 503 because the connection limit was reached",
                    List.of(point(t[TrafficCounters.REFUSED]))));
            List<CounterDataPointSnapshot> timeouts = new ArrayList<>();
            for (SiteObserver.Timeout timeout : SiteObserver.Timeout.values()) {
                timeouts.add(point(t[TrafficCounters.TIMED_OUT + timeout.ordinal()], "timeout",
                        timeout.name().toLowerCase(Locale.ROOT)));
            }
            all.add(counter("zeroedge_connections_timed_out",
                    "Client connections closed by a timeout: header (408), idle keep-alive, send (no progress)",
                    timeouts));
            if (server.source() instanceof StaticSource source) {
                openFileCache(all, source.openFileCache().counts());
            }
            if (server.source() instanceof EdgeCache cache) {
                edgeCache(all, cache.counts());
                all.add(counter("zeroedge_cache_corrupt_objects",
                        "Cached objects the scrubber found not matching their checksums, quarantined and forgotten",
                        List.of(point(cache.corruptions()))));
                all.add(counter("zeroedge_cache_scrubbed_bytes",
                        "Body bytes the scrubbers re-read and compared with their checksums",
                        List.of(point(cache.scrubbed()))));
                all.add(GaugeSnapshot.builder().name("zeroedge_cache_directories_in_service")
                        .help("Cache directories in service now (a failing one is taken out until the next restart)")
                        .dataPoint(GaugeDataPointSnapshot.builder().value(cache.directoriesInService()).build())
                        .build());
                GaugeSnapshot.Builder state = GaugeSnapshot.builder().name("zeroedge_cache_directory_in_service")
                        .help("1 while the cache directory is in service, 0 once it was taken out");
                cache.directoryStates().forEach((directory, in) -> state.dataPoint(GaugeDataPointSnapshot.builder()
                        .labels(Labels.of("directory", directory.toString())).value(in ? 1 : 0).build()));
                all.add(state.build());
                origins(all, cache.storedByOrigin());
                parents(all, cache.parents());
            }
            fileSystemPool(all, server.fileSystemPool());
            all.add(InfoSnapshot.builder().name("zeroedge_mode")
                    .help("The mode serving and why it was chosen")
                    .dataPoint(InfoSnapshot.InfoDataPointSnapshot.builder()
                            .labels(Labels.of("mode", server.mode().userName(), "reason", reason)).build())
                    .build());
            return new MetricSnapshots(all);
        }

        private static MetricSnapshot requests(long[] t) {
            List<CounterDataPointSnapshot> points = new ArrayList<>();
            for (int m = 0; m < TrafficCounters.METHODS.size(); m++) {
                for (int c = 0; c < TrafficCounters.CODES; c++) {
                    long n = t[TrafficCounters.REQUESTS + m * TrafficCounters.CODES + c];
                    if (n > 0) {
                        int code = TrafficCounters.LOWEST_CODE + c;
                        points.add(point(n, "method", TrafficCounters.METHODS.get(m), "status_class",
                                code / 100 + "xx", "code", Integer.toString(code)));
                    }
                }
            }
            return counter("zeroedge_http_requests",
                    "Requests answered (responses ended, failed ones too), by method, status class and status code;"
                            + " a response to no request (a refused head, a 408) has method unknown", points);
        }

        private static MetricSnapshot timeToLastByte(long[] t) {
            long[] counts = new long[TrafficCounters.BOUNDS.length];
            long total = 0;
            for (int i = 0; i < counts.length; i++) {
                counts[i] = t[TrafficCounters.BUCKETS + i];
                total += counts[i];
            }
            double sum = (double) t[TrafficCounters.NANOS_SUM] / TimeUnit.SECONDS.toNanos(1);
            return HistogramSnapshot.builder().name("zeroedge_http_time_to_last_byte_seconds")
                    .help("From a request's turn to the last byte of its response in the kernel (explicit buckets)")
                    .dataPoint(HistogramDataPointSnapshot.builder()
                            .classicHistogramBuckets(ClassicHistogramBuckets.of(TrafficCounters.BOUNDS, counts))
                            .sum(sum).build())
                    .build();
        }

        private static void openFileCache(List<MetricSnapshot> all, OpenFileCache.Counts counts) {
            all.add(GaugeSnapshot.builder().name("zeroedge_open_file_cache_entries")
                    .help("Names the open-file cache holds")
                    .dataPoint(GaugeDataPointSnapshot.builder().value(counts.entries()).build()).build());
            all.add(counter("zeroedge_open_file_cache_hits", "Lookups of a name the open-file cache held",
                    List.of(point(counts.hits()))));
            all.add(counter("zeroedge_open_file_cache_misses", "Lookups of a name the open-file cache did not hold",
                    List.of(point(counts.misses()))));
            all.add(counter("zeroedge_open_file_cache_evictions", "Names pushed out of the open-file cache by its size",
                    List.of(point(counts.evictions()))));
        }

        private static void edgeCache(List<MetricSnapshot> all, CacheCounters.Counts counts) {
            all.add(counter("zeroedge_cache_hits", "Requests answered from an object on disk (Cache-Status hit)",
                    List.of(point(counts.hits()))));
            all.add(counter("zeroedge_cache_misses",
                    "Requests that went to the origin: each fill's first client and every client that joined it",
                    List.of(point(counts.misses()))));
            all.add(counter("zeroedge_cache_coalesced_waiters",
                    "Clients that joined a fill under way instead of asking the origin themselves",
                    List.of(point(counts.coalesced()))));
            all.add(GaugeSnapshot.builder().name("zeroedge_cache_fills_in_flight")
                    .help("Origin fetches under way (from the request to the end of the body or its failure)")
                    .dataPoint(GaugeDataPointSnapshot.builder().value(counts.fillsInFlight()).build()).build());
            all.add(counter("zeroedge_cache_sent_bytes",
                    "Response body bytes in the kernel of responses answered as hits (what went, ranges and HEAD"
                            + " included)", List.of(point(counts.hitBytesSent()))));
            all.add(counter("zeroedge_cache_origin_bytes", "Body bytes read from the origin",
                    List.of(point(counts.originBytes()))));
            List<CounterDataPointSnapshot> errors = new ArrayList<>();
            for (CacheCounters.OriginError kind : CacheCounters.OriginError.values()) {
                errors.add(point(counts.originErrors(kind), "kind", kind.name().toLowerCase(Locale.ROOT)));
            }
            all.add(counter("zeroedge_cache_origin_errors",
                    "Origin fetches that failed, by kind: unreachable (502), timeout (504), cut_short (a body"
                            + " stopped before its end)", errors));
            List<CounterDataPointSnapshot> purges = new ArrayList<>();
            for (CacheCounters.PurgeKind kind : CacheCounters.PurgeKind.values()) {
                purges.add(point(counts.purges(kind), "kind", kind.name().toLowerCase(Locale.ROOT)));
            }
            all.add(counter("zeroedge_cache_purges", "PURGE requests taken, by kind: key (an object and its"
                    + " variants removed), prefix (every object under a prefix), soft (marked stale)", purges));
            List<CounterDataPointSnapshot> passed = new ArrayList<>();
            for (CacheCounters.PassThroughKind kind : CacheCounters.PassThroughKind.values()) {
                passed.add(point(counts.passedThrough(kind), "kind", kind.name().toLowerCase(Locale.ROOT)));
            }
            all.add(counter("zeroedge_cache_passed_through", "Responses relayed uncached because the disk had no"
                    + " room for them, by kind: whole (an object refused its room), slice (an object in slices"
                    + " refused its room), mid_fill (a fill whose writes met a full disk, relayed to its clients)",
                    passed));
            List<CounterDataPointSnapshot> slices = new ArrayList<>();
            for (CacheCounters.SliceOutcome outcome : CacheCounters.SliceOutcome.values()) {
                slices.add(point(counts.sliceFetches(outcome), "outcome", outcome.name().toLowerCase(Locale.ROOT)));
            }
            all.add(counter("zeroedge_cache_slice_fetches", "Range requests for slices of objects in slices, by"
                    + " outcome: committed, failed (committed slices kept), changed (the origin's object changed:"
                    + " discarded)", slices));
            all.add(counter("zeroedge_cache_slice_origin_bytes", "Body bytes of slice fetches written into their"
                    + " objects (part of zeroedge_cache_origin_bytes_total)", List.of(point(counts.sliceOriginBytes()))));
            all.add(GaugeSnapshot.builder().name("zeroedge_cache_objects")
                    .help("Objects the cache index holds (on disk)")
                    .dataPoint(GaugeDataPointSnapshot.builder().value(counts.objects()).build()).build());
            all.add(GaugeSnapshot.builder().name("zeroedge_cache_stored_bytes")
                    .help("Body bytes of the objects the cache index holds (on disk)")
                    .dataPoint(GaugeDataPointSnapshot.builder().value(counts.bytesOnDisk()).build()).build());
            all.add(counter("zeroedge_cache_evictions", "Objects removed to keep the cache within its size",
                    List.of(point(counts.evictions()))));
            all.add(GaugeSnapshot.builder().name("zeroedge_cache_recovery_seconds")
                    .help("From the start to the index holding every object found on disk (0 while it is"
                            + " still coming back: see zeroedge_cache_recovering)")
                    .dataPoint(GaugeDataPointSnapshot.builder().value(counts.recoverySeconds()).build()).build());
            all.add(GaugeSnapshot.builder().name("zeroedge_cache_recovering")
                    .help("1 while the index is still coming back from the disk (misses read metadata first), else 0")
                    .dataPoint(GaugeDataPointSnapshot.builder().value(counts.recovered() ? 0 : 1).build()).build());
        }

        /** What each origin's objects take, and the shares of those with a {@code max-size}. */
        private static void origins(List<MetricSnapshot> all, List<OriginStored> origins) {
            GaugeSnapshot.Builder objects = GaugeSnapshot.builder().name("zeroedge_cache_origin_objects")
                    .help("Objects the cache index holds, by origin (the config's origins: and the default)");
            GaugeSnapshot.Builder bytes = GaugeSnapshot.builder().name("zeroedge_cache_origin_stored_bytes")
                    .help("Body bytes of the objects the cache index holds, by origin");
            GaugeSnapshot.Builder shares = GaugeSnapshot.builder().name("zeroedge_cache_origin_max_bytes")
                    .help("The share of the cache an origin's objects may take (its max-size), for origins given one");
            boolean anyShare = false;
            for (OriginStored origin : origins) {
                Labels labels = Labels.of("origin", origin.origin());
                objects.dataPoint(GaugeDataPointSnapshot.builder().labels(labels).value(origin.objects()).build());
                bytes.dataPoint(GaugeDataPointSnapshot.builder().labels(labels).value(origin.bytes()).build());
                if (origin.maxSize() != OriginRoute.NO_SHARE) {
                    shares.dataPoint(GaugeDataPointSnapshot.builder().labels(labels).value(origin.maxSize()).build());
                    anyShare = true;
                }
            }
            all.add(objects.build());
            all.add(bytes.build());
            if (anyShare) {
                all.add(shares.build());
            }
        }

        /** The tier's parents (none without --parents): up or down, requests, failovers. */
        private static void parents(List<MetricSnapshot> all, List<ParentState> parents) {
            if (parents.isEmpty()) {
                return;
            }
            GaugeSnapshot.Builder up = GaugeSnapshot.builder().name("zeroedge_cache_parent_up")
                    .help("1 while the parent takes requests (its probe answers), 0 while it is skipped");
            List<CounterDataPointSnapshot> requests = new ArrayList<>();
            List<CounterDataPointSnapshot> failovers = new ArrayList<>();
            for (ParentState parent : parents) {
                up.dataPoint(GaugeDataPointSnapshot.builder().labels(Labels.of("parent", parent.parent()))
                        .value(parent.up() ? 1 : 0).build());
                requests.add(point(parent.requests(), "parent", parent.parent()));
                failovers.add(point(parent.failovers(), "parent", parent.parent()));
            }
            all.add(up.build());
            all.add(counter("zeroedge_cache_parent_requests", "Requests sent to the parent (probes not counted)",
                    requests));
            all.add(counter("zeroedge_cache_parent_failovers", "Requests whose choice the parent was and that went"
                    + " on to their next choice (or the origin) because it was down or could not be reached",
                    failovers));
        }

        private static void fileSystemPool(List<MetricSnapshot> all, FileSystemPool pool) {
            all.add(GaugeSnapshot.builder().name("zeroedge_file_system_queue_depth")
                    .help("Work waiting for a file-system thread")
                    .dataPoint(GaugeDataPointSnapshot.builder().value(pool.queued()).build()).build());
            all.add(SummarySnapshot.builder().name("zeroedge_file_system_wait_seconds")
                    .help("How long work waited in the file-system queue before a thread took it")
                    .dataPoint(SummaryDataPointSnapshot.builder().quantiles(Quantiles.EMPTY).count(pool.started())
                            .sum((double) pool.waitedNanos() / TimeUnit.SECONDS.toNanos(1)).build())
                    .build());
        }

        private static CounterSnapshot counter(String name, String help, List<CounterDataPointSnapshot> points) {
            CounterSnapshot.Builder builder = CounterSnapshot.builder().name(name).help(help);
            points.forEach(builder::dataPoint);
            return builder.build();
        }

        private static CounterDataPointSnapshot point(long value, String... labels) {
            return CounterDataPointSnapshot.builder().labels(Labels.of(labels)).value(value).build();
        }
    }
}
