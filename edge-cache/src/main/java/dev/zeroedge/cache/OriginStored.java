package dev.zeroedge.cache;

/**
 * What one origin's objects take in the cache now: the metrics' {@code zeroedge_cache_origin_objects} and
 * {@code zeroedge_cache_origin_stored_bytes}.
 *
 * @param origin  the origin's URL ({@code http://HOST:PORT}), as the log names it
 * @param objects objects the index holds of it
 * @param bytes   their body bytes
 * @param maxSize its share ({@code max-size}), or {@link OriginRoute#NO_SHARE} when it shares the rest
 */
public record OriginStored(String origin, long objects, long bytes, long maxSize) {
}
