package dev.zeroedge.cache;

import java.util.Locale;
import java.util.Map;

/**
 * Which origin a request's Host is cached from: the config file's {@code origins:} section, Host name to
 * {@link OriginRoute}, and the default ({@code --origin}, or the section's {@code default}) for every other Host.
 * A Host is looked up as the cache key has it (lower case, no {@code :80}), then without its port, so
 * {@code media.example:8080} finds {@code media.example}.
 *
 * @param fallback the route of a Host the map does not name
 * @param byHost   Host names (lower case, without port) to their routes
 */
public record Origins(OriginRoute fallback, Map<String, OriginRoute> byHost) {

    public Origins {
        byHost = Map.copyOf(byHost);
    }

    /** One origin for every Host: {@code --origin} alone. */
    public static Origins single(OriginRoute route) {
        return new Origins(route, Map.of());
    }

    /** The route of {@code keyHost}, the key's Host. */
    public OriginRoute route(String keyHost) {
        if (byHost.isEmpty() || keyHost == null) {
            return fallback;
        }
        String host = keyHost.toLowerCase(Locale.ROOT);
        OriginRoute exact = byHost.get(host);
        if (exact != null) {
            return exact;
        }
        int colon = host.lastIndexOf(':');
        if (colon > 0 && host.indexOf(']') < colon) {
            OriginRoute named = byHost.get(host.substring(0, colon));
            if (named != null) {
                return named;
            }
        }
        return fallback;
    }
}
