package dev.zeroedge.cache;

/**
 * One parent of the tier as the metrics show it: {@code zeroedge_cache_parent_up}, {@code _requests} and
 * {@code _failovers}.
 *
 * @param parent    its URL ({@code http://HOST:PORT}), as {@code --parents} names it
 * @param up        whether it takes requests now ({@link ParentHealth}: its last probe answered and no request
 *                  found it unreachable since)
 * @param requests  requests sent to it (each attempt, probes not counted)
 * @param failovers requests whose choice it was and that went on to their next choice (or the origin) because it
 *                  was down or could not be reached
 */
public record ParentState(String parent, boolean up, long requests, long failovers) {
}
