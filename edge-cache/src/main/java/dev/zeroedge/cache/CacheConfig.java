package dev.zeroedge.cache;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What {@code serve --origin URL --cache-dir DIR} asks for.
 *
 * @param originHost      the origin's host name or address
 * @param originPort      its port
 * @param directories     where objects live (body files, metadata files, {@code tmp/}): one or more directories,
 *                        each object in one of them ({@link Placement}); the first stands in for the document root
 * @param maxSize         the bytes of bodies the index keeps on disk at most, all directories together
 * @param connectTimeout  how long a connection to the origin may take
 * @param firstByteTimeout how long the origin may take from the request to the head of its response (504 past it)
 * @param idleTimeout     the longest silence of the origin within a response's body (the object is dropped)
 * @param maxOriginConnections the keep-alive pool's bound, per event loop
 * @param sliceSize       an object longer than this is fetched and stored in slices of this many bytes, each
 *                        fetched with a Range request when someone reads it; 0: never in slices
 * @param minFree         what the cache leaves free of its file system ({@code --cache-min-free})
 * @param staleMax        the longest an object is served past its lifetime ({@code stale-while-revalidate},
 *                        {@code stale-if-error}, a request's {@code max-stale}), whatever the origin or the client
 *                        allow: the operator's ceiling ({@code --cache-stale-max})
 * @param maxVariants     the most variants kept of one key ({@code --cache-max-variants}): past it the least
 *                        recently used one goes
 * @param purgeAllow      the addresses a {@code PURGE} is taken from ({@code --purge-allow})
 */
public record CacheConfig(String originHost, int originPort, List<Path> directories, long maxSize, Duration connectTimeout,
                          Duration firstByteTimeout, Duration idleTimeout, int maxOriginConnections,
                          long sliceSize, MinFree minFree, Duration staleMax, int maxVariants,
                          PurgeAllow purgeAllow) {

    /**
     * Room the cache leaves free on its file system: a share of its size ({@code 5%}) or bytes ({@code 2g}).
     *
     * @param percent of the file system's total size, or -1 when {@code bytes} says it
     */
    public record MinFree(double percent, long bytes) {

        public MinFree {
            if (percent < 0 ? bytes < 0 : percent > 100 || bytes != 0) {
                throw new IllegalArgumentException("min free is a percentage within 0..100 or bytes: " + percent
                        + "%, " + bytes);
            }
        }

        public static MinFree percent(double percent) {
            return new MinFree(percent, 0);
        }

        public static MinFree bytes(long bytes) {
            return new MinFree(-1, bytes);
        }

        /** {@code 5%} or {@code 2.5%}; null when {@code text} is no percentage (then it is a size). */
        public static MinFree parsePercent(String text) {
            if (!text.matches("[0-9]{1,3}(\\.[0-9]{1,3})?%")) {
                return null;
            }
            double percent = Double.parseDouble(text.substring(0, text.length() - 1));
            return percent <= 100 ? percent(percent) : null;
        }

        /** The bytes to leave free of a file system of {@code totalBytes}. */
        long of(long totalBytes) {
            return percent < 0 ? bytes : (long) (totalBytes * (percent / 100));
        }

        @Override
        public String toString() {
            return percent < 0 ? bytes + " bytes" : percent + "%";
        }
    }

    public static final MinFree DEFAULT_MIN_FREE = MinFree.percent(5);

    public static final long DEFAULT_MAX_SIZE = 10L * 1024 * 1024 * 1024;
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(3);
    public static final Duration DEFAULT_FIRST_BYTE_TIMEOUT = Duration.ofSeconds(15);
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);
    public static final int DEFAULT_MAX_ORIGIN_CONNECTIONS = 256;
    public static final long DEFAULT_SLICE_SIZE = 4L * 1024 * 1024;
    public static final Duration DEFAULT_STALE_MAX = Duration.ofDays(1);
    public static final int DEFAULT_MAX_VARIANTS = 8;

    public CacheConfig {
        if (maxSize < 1) {
            throw new IllegalArgumentException("cache max size must be positive: " + maxSize);
        }
        if (maxOriginConnections < 1) {
            throw new IllegalArgumentException("origin connections must be positive: " + maxOriginConnections);
        }
        if (staleMax == null || staleMax.isNegative()) {
            throw new IllegalArgumentException("cache stale max must be 0 or positive: " + staleMax);
        }
        if (maxVariants < 1) {
            throw new IllegalArgumentException("cache max variants must be positive: " + maxVariants);
        }
        if (purgeAllow == null) {
            throw new IllegalArgumentException("purge-allow needs a network");
        }
        if (directories == null || directories.isEmpty()) {
            throw new IllegalArgumentException("the cache needs a directory");
        }
        directories = List.copyOf(directories);
        if (sliceSize < 0) {
            throw new IllegalArgumentException("slice size must be 0 (off) or positive: " + sliceSize);
        }
    }

    /**
     * {@code http://HOST[:PORT]} (no path, query, user or https: the origin is a plain HTTP/1.1 server) with the
     * defaults for the rest.
     */
    public static CacheConfig of(String origin, Path directory) {
        OriginRoute route;
        try {
            route = OriginRoute.of(origin);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("origin " + e.getMessage());
        }
        return new CacheConfig(route.host(), route.port(), List.of(directory), DEFAULT_MAX_SIZE, DEFAULT_CONNECT_TIMEOUT,
                DEFAULT_FIRST_BYTE_TIMEOUT, DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_ORIGIN_CONNECTIONS, DEFAULT_SLICE_SIZE,
                DEFAULT_MIN_FREE, DEFAULT_STALE_MAX, DEFAULT_MAX_VARIANTS, PurgeAllow.loopback());
    }

    /** The origin's authority as its requests' {@code Host} carries it (nginx's default): the port only when not 80. */
    public String originAuthority() {
        return OriginRoute.of(this).authority();
    }

    /** The first of the directories: where the server's stand-in document root points. */
    public Path directory() {
        return directories.getFirst();
    }

    /** Objects spread over {@code all} ({@code --cache-dir A,B}) instead. */
    public CacheConfig withDirectories(List<Path> all) {
        return new CacheConfig(originHost, originPort, all, maxSize, connectTimeout, firstByteTimeout,
                idleTimeout, maxOriginConnections, sliceSize, minFree, staleMax, maxVariants, purgeAllow);
    }

    public CacheConfig withMaxSize(long bytes) {
        return new CacheConfig(originHost, originPort, directories, bytes, connectTimeout, firstByteTimeout,
                idleTimeout, maxOriginConnections, sliceSize, minFree, staleMax, maxVariants, purgeAllow);
    }

    public CacheConfig withTimeouts(Duration connect, Duration firstByte, Duration idle) {
        return new CacheConfig(originHost, originPort, directories, maxSize, connect, firstByte, idle,
                maxOriginConnections, sliceSize, minFree, staleMax, maxVariants, purgeAllow);
    }

    /** Objects longer than {@code bytes} in slices of that size; 0: no slices. */
    public CacheConfig withSliceSize(long bytes) {
        return new CacheConfig(originHost, originPort, directories, maxSize, connectTimeout, firstByteTimeout,
                idleTimeout, maxOriginConnections, bytes, minFree, staleMax, maxVariants, purgeAllow);
    }

    public CacheConfig withMinFree(MinFree free) {
        return new CacheConfig(originHost, originPort, directories, maxSize, connectTimeout, firstByteTimeout,
                idleTimeout, maxOriginConnections, sliceSize, free, staleMax, maxVariants, purgeAllow);
    }

    /** Stale objects served for at most {@code ceiling} past their lifetime ({@code --cache-stale-max}). */
    public CacheConfig withStaleMax(Duration ceiling) {
        return new CacheConfig(originHost, originPort, directories, maxSize, connectTimeout, firstByteTimeout,
                idleTimeout, maxOriginConnections, sliceSize, minFree, ceiling, maxVariants, purgeAllow);
    }

    /** At most {@code count} variants of one key ({@code --cache-max-variants}). */
    public CacheConfig withMaxVariants(int count) {
        return new CacheConfig(originHost, originPort, directories, maxSize, connectTimeout, firstByteTimeout,
                idleTimeout, maxOriginConnections, sliceSize, minFree, staleMax, count, purgeAllow);
    }

    /** {@code PURGE} taken from {@code allowed} only ({@code --purge-allow}). */
    public CacheConfig withPurgeAllow(PurgeAllow allowed) {
        return new CacheConfig(originHost, originPort, directories, maxSize, connectTimeout, firstByteTimeout,
                idleTimeout, maxOriginConnections, sliceSize, minFree, staleMax, maxVariants, allowed);
    }
}
