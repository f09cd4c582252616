package dev.zeroedge.cache;

import io.netty.handler.codec.http.HttpHeaders;

/**
 * The directives of a client's {@code Cache-Control} that this cache acts on (RFC 9111 §5.2.1). Pure: no I/O, no
 * clock. A directive given twice keeps its stricter value, as for a response's.
 *
 * @param noCache      a stored response must be validated before it is used ({@code Pragma: no-cache} too, when the
 *                     request has no {@code Cache-Control}: §5.4)
 * @param onlyIfCached the origin must not be asked: what is stored and usable, or 504
 * @param maxAge       a stored response older than this is not used, or -1
 * @param minFresh     a stored response fresh for less than this much longer is not used, or -1
 * @param maxStale     a stale response at most this much past its lifetime may be used, or -1; a bare
 *                     {@code max-stale} is any staleness ({@link Long#MAX_VALUE})
 */
record RequestDirectives(boolean noCache, boolean onlyIfCached, long maxAge, long minFresh, long maxStale) {

    static final RequestDirectives NONE = new RequestDirectives(false, false, -1, -1, -1);

    static RequestDirectives of(HttpHeaders request) {
        if (!request.contains("Cache-Control")) {
            String pragma = request.get("Pragma");
            return pragma != null && pragma.toLowerCase(java.util.Locale.ROOT).contains("no-cache")
                    ? new RequestDirectives(true, false, -1, -1, -1) : NONE;
        }
        boolean noCache = false;
        boolean onlyIfCached = false;
        long maxAge = -1;
        long minFresh = -1;
        long maxStale = -1;
        for (String[] directive : CacheControl.directives(request)) {
            String value = directive[1];
            switch (directive[0]) {
                case "no-cache" -> noCache = true;
                case "only-if-cached" -> onlyIfCached = true;
                case "max-age" -> maxAge = stricter(maxAge, CacheControl.seconds(value));
                case "min-fresh" -> minFresh = Math.max(minFresh, CacheControl.seconds(value));
                case "max-stale" -> maxStale = stricter(maxStale,
                        value == null ? Long.MAX_VALUE : CacheControl.seconds(value));
                default -> {
                }
            }
        }
        return new RequestDirectives(noCache, onlyIfCached, maxAge, minFresh, maxStale);
    }

    private static long stricter(long known, long value) {
        return known < 0 ? value : Math.min(known, value);
    }
}
