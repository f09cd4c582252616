package dev.zeroedge.cache;

import io.netty.handler.codec.http.HttpHeaders;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The directives of a response's {@code Cache-Control} that a shared cache acts on (RFC 9111 §5.2.2), parsed
 * from every line of the field. Pure: no I/O, no clock.
 *
 * @param maxAge  {@code max-age} in seconds, or -1
 * @param sMaxAge {@code s-maxage} in seconds, or -1
 * @param staleWhileRevalidate {@code stale-while-revalidate} in seconds (RFC 5861), or -1
 * @param staleIfError {@code stale-if-error} in seconds (RFC 5861), or -1
 */
record CacheControl(boolean noStore, boolean noCache, boolean isPrivate, boolean isPublic, boolean mustRevalidate,
                    long maxAge, long sMaxAge, long staleWhileRevalidate, long staleIfError) {

    static final CacheControl NONE = new CacheControl(false, false, false, false, false, -1, -1, -1, -1);

    /**
     * Whether a stale response may be served at all (RFC 9111 §4.2.4): not when it must be revalidated
     * ({@code must-revalidate}, {@code proxy-revalidate}, or {@code s-maxage}, which implies it for a shared
     * cache, §5.2.2.10) nor when every use must be validated ({@code no-cache}).
     */
    boolean mayServeStale() {
        return !mustRevalidate && sMaxAge < 0 && !noCache;
    }

    static CacheControl of(HttpHeaders headers) {
        boolean noStore = false;
        boolean noCache = false;
        boolean isPrivate = false;
        boolean isPublic = false;
        boolean mustRevalidate = false;
        long maxAge = -1;
        long sMaxAge = -1;
        long staleWhileRevalidate = -1;
        long staleIfError = -1;
        for (String line : headers.getAll("Cache-Control")) {
            for (String directive : splitOutsideQuotes(line)) {
                String d = directive.trim();
                if (d.isEmpty()) {
                    continue;
                }
                int eq = d.indexOf('=');
                String name = (eq < 0 ? d : d.substring(0, eq)).trim().toLowerCase(Locale.ROOT);
                String value = eq < 0 ? null : unquote(d.substring(eq + 1).trim());
                switch (name) {
                    case "no-store" -> noStore = true;
                    // no-cache="field" only forbids reusing those fields unvalidated: treated as plain no-cache.
                    case "no-cache" -> noCache = true;
                    case "private" -> isPrivate = true;
                    case "public" -> isPublic = true;
                    case "must-revalidate", "proxy-revalidate" -> mustRevalidate = true;
                    // A directive given twice with different values is invalid (§4.2.1): the stricter one wins.
                    case "max-age" -> maxAge = stricter(maxAge, seconds(value));
                    case "s-maxage" -> sMaxAge = stricter(sMaxAge, seconds(value));
                    case "stale-while-revalidate" -> staleWhileRevalidate = stricter(staleWhileRevalidate,
                            seconds(value));
                    case "stale-if-error" -> staleIfError = stricter(staleIfError, seconds(value));
                    default -> {
                    }
                }
            }
        }
        return new CacheControl(noStore, noCache, isPrivate, isPublic, mustRevalidate, maxAge, sMaxAge,
                staleWhileRevalidate, staleIfError);
    }

    /** Every directive of every {@code Cache-Control} line: its name in lower case, and its value unquoted or null. */
    static List<String[]> directives(HttpHeaders headers) {
        List<String[]> all = new ArrayList<>();
        for (String line : headers.getAll("Cache-Control")) {
            for (String directive : splitOutsideQuotes(line)) {
                String d = directive.trim();
                if (!d.isEmpty()) {
                    int eq = d.indexOf('=');
                    all.add(new String[] {(eq < 0 ? d : d.substring(0, eq)).trim().toLowerCase(Locale.ROOT),
                            eq < 0 ? null : unquote(d.substring(eq + 1).trim())});
                }
            }
        }
        return all;
    }

    /**
     * Delta-seconds (§1.2.2): digits only; a value too large to hold is 2^31 (as the RFC says); anything
     * malformed is 0, that is stale at once (§4.2.1: invalid freshness information means stale).
     */
    static long seconds(String value) {
        if (value == null || value.isEmpty()) {
            return 0;
        }
        long n = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return 0;
            }
            n = n * 10 + (c - '0');
            if (n > (1L << 31)) {
                return 1L << 31;
            }
        }
        return n;
    }

    private static long stricter(long known, long value) {
        return known < 0 ? value : Math.min(known, value);
    }

    private static String unquote(String value) {
        return value.length() >= 2 && value.charAt(0) == '"' && value.charAt(value.length() - 1) == '"'
                ? value.substring(1, value.length() - 1) : value;
    }

    private static List<String> splitOutsideQuotes(String line) {
        List<String> parts = new ArrayList<>();
        boolean quoted = false;
        int start = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (c == ',' && !quoted) {
                parts.add(line.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(line.substring(start));
        return parts;
    }
}
