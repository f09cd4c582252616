package dev.zeroedge.cache;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;

/**
 * One origin (or one parent of the tier): where it is and how long it may take. Each Host of the config file's
 * {@code origins:} section maps to one, and {@code --origin} (with the {@code origin-*-timeout} flags) is the
 * default one.
 *
 * @param host             its host name or address
 * @param port             its port
 * @param connectTimeout   how long a connection to it may take (504 past it)
 * @param firstByteTimeout from the request to the head of its response (504 past it)
 * @param idleTimeout      the longest silence within a response's body (the object is dropped)
 * @param maxObjectSize    a response declaring a longer Content-Length is relayed, not stored
 *                         ({@link Long#MAX_VALUE}: no bound but the cache's own)
 * @param maxSize          its share of {@code --cache-max-size}: the body bytes its objects may take, evicted
 *                         among themselves ({@link Share}); {@link #NO_SHARE}: it shares the rest with the others
 */
public record OriginRoute(String host, int port, Duration connectTimeout, Duration firstByteTimeout,
                          Duration idleTimeout, long maxObjectSize, long maxSize) {

    /** The {@link #maxSize} of an origin without a share of its own. */
    public static final long NO_SHARE = Long.MAX_VALUE;

    public OriginRoute {
        if (maxObjectSize < 0) {
            throw new IllegalArgumentException("max object size must be 0 or positive: " + maxObjectSize);
        }
        if (maxSize <= 0) {
            throw new IllegalArgumentException("max size must be positive: " + maxSize);
        }
    }

    /** Without a share: {@code max-size} not given. */
    public OriginRoute(String host, int port, Duration connectTimeout, Duration firstByteTimeout, Duration idleTimeout,
                       long maxObjectSize) {
        this(host, port, connectTimeout, firstByteTimeout, idleTimeout, maxObjectSize, NO_SHARE);
    }

    /** {@code http://HOST[:PORT]} (no path, query, user or https: a plain HTTP/1.1 server) with the default times. */
    public static OriginRoute of(String url) {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(url + " is no URL: " + e.getMessage());
        }
        if (!"http".equals(uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT))
                || uri.getHost() == null || uri.getUserInfo() != null || uri.getQuery() != null
                || uri.getFragment() != null || !(uri.getRawPath() == null || uri.getRawPath().isEmpty()
                || uri.getRawPath().equals("/"))) {
            throw new IllegalArgumentException("must be http://HOST[:PORT], not " + url);
        }
        return new OriginRoute(uri.getHost(), uri.getPort() < 0 ? 80 : uri.getPort(),
                CacheConfig.DEFAULT_CONNECT_TIMEOUT, CacheConfig.DEFAULT_FIRST_BYTE_TIMEOUT,
                CacheConfig.DEFAULT_IDLE_TIMEOUT, Long.MAX_VALUE);
    }

    /** The default route of a cache: {@code --origin} and its timeouts. */
    public static OriginRoute of(CacheConfig config) {
        return new OriginRoute(config.originHost(), config.originPort(), config.connectTimeout(),
                config.firstByteTimeout(), config.idleTimeout(), Long.MAX_VALUE);
    }

    public OriginRoute withTimeouts(Duration connect, Duration firstByte, Duration idle) {
        return new OriginRoute(host, port, connect, firstByte, idle, maxObjectSize, maxSize);
    }

    public OriginRoute withMaxObjectSize(long bytes) {
        return new OriginRoute(host, port, connectTimeout, firstByteTimeout, idleTimeout, bytes, maxSize);
    }

    public OriginRoute withMaxSize(long bytes) {
        return new OriginRoute(host, port, connectTimeout, firstByteTimeout, idleTimeout, maxObjectSize, bytes);
    }

    /** Whether its objects have a share of the cache of their own ({@code max-size}). */
    public boolean hasShare() {
        return maxSize != NO_SHARE;
    }

    /** Its authority as a request's {@code Host} carries it (nginx's default): the port only when not 80. */
    public String authority() {
        String name = host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
        return port == 80 ? name : name + ":" + port;
    }

    /** {@code http://authority}, as the log and a reload's report name it. */
    public String url() {
        return "http://" + authority();
    }
}
