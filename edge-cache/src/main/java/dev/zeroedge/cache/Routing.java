package dev.zeroedge.cache;

import java.time.Duration;
import java.util.List;

/**
 * Where a cache's misses go: its origins by Host ({@link Origins}), the parents of the tier above it
 * ({@code --parents}, empty: none; a miss then asks its origin), and the id it writes into {@code CDN-Loop}.
 *
 * @param origins  Host to origin
 * @param parents  the tier's parents, each an ordinary zeroedge cache node
 * @param loop     this node's {@code CDN-Loop} id
 * @param probeEvery how often each parent is probed (a parent that fails a probe or refuses a request is skipped
 *                 until a probe answers again)
 */
public record Routing(Origins origins, List<OriginRoute> parents, CdnLoop loop, Duration probeEvery) {

    public static final Duration DEFAULT_PROBE_EVERY = Duration.ofSeconds(2);

    public Routing {
        parents = List.copyOf(parents);
    }

    /** {@code --origin} alone: one origin, no parents. */
    public static Routing single(CacheConfig config, CdnLoop loop) {
        return new Routing(Origins.single(OriginRoute.of(config)), List.of(), loop, DEFAULT_PROBE_EVERY);
    }
}
