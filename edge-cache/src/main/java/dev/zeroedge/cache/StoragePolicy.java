package dev.zeroedge.cache;

import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.http.HttpHeaders;

import java.util.Date;
import java.util.List;
import java.util.Set;

/**
 * Whether a shared cache may store an origin's response, and for how long it is fresh (RFC 9111 §3, §4.2).
 * Pure: the caller gives the clock.
 *
 * <p>Stored: a final response of a status this cache understands whose freshness is explicit ({@code s-maxage}
 * over {@code max-age} over {@code Expires − Date}) or, without any, heuristic for the statuses §4.2.2 allows
 * (10 % of {@code Date − Last-Modified}, at most a day). Never: {@code no-store}, {@code private}, a response to
 * a request with {@code Authorization} unless {@code public}, {@code s-maxage} or {@code must-revalidate} allow
 * it, a response with {@code Set-Cookie} (one client's state, nginx's rule too), a response with {@code Vary: *}
 * (it varies on something no request says: passed through, and each waiter asks alone). Any other {@code Vary}
 * is stored as a variant ({@link Variants}). {@code no-cache} is stored and revalidated on every use.
 */
final class StoragePolicy {

    /** Heuristically cacheable statuses (RFC 9110 §15.1) that this cache understands. */
    static final Set<Integer> STORABLE_STATUSES = Set.of(200, 203, 204, 300, 301, 308, 404, 410);
    static final long HEURISTIC_CAP_SECONDS = 24 * 60 * 60;

    /**
     * @param store           whether the response may be kept
     * @param shared          whether the clients waiting for the same fill may be given it (false: each asks
     *                        the origin alone, as for a private answer)
     * @param lifetimeSeconds how long it is fresh from when it was generated
     * @param noCache         every use must be validated first
     * @param why             why not, for the log and the tests
     */
    record Decision(boolean store, boolean shared, long lifetimeSeconds, boolean noCache, String why) {

        static Decision refuse(boolean shared, String why) {
            return new Decision(false, shared, 0, false, why);
        }
    }

    private StoragePolicy() {
    }

    static Decision decide(int status, boolean authorization, HttpHeaders response, long nowSeconds) {
        CacheControl cc = CacheControl.of(response);
        if (cc.isPrivate()) {
            return Decision.refuse(false, "private");
        }
        if (authorization && !(cc.isPublic() || cc.sMaxAge() >= 0 || cc.mustRevalidate())) {
            return Decision.refuse(false, "request with Authorization");
        }
        if (response.contains("Set-Cookie")) {
            return Decision.refuse(false, "Set-Cookie");
        }
        if (response.contains("Vary") && List.of("*").equals(SecondaryKey.varyOf(response))) {
            return Decision.refuse(false, "Vary: *");
        }
        if (cc.noStore()) {
            return Decision.refuse(true, "no-store");
        }
        if (!STORABLE_STATUSES.contains(status)) {
            return Decision.refuse(true, "status " + status + " not stored");
        }
        long lifetime = lifetime(cc, response, nowSeconds);
        if (lifetime <= 0 && !cc.noCache()) {
            return Decision.refuse(true, "not fresh");
        }
        return new Decision(true, true, Math.max(0, lifetime), cc.noCache(), null);
    }

    /** §4.2.1, then the heuristic of §4.2.2; 0 when nothing says it is fresh. */
    static long lifetime(CacheControl cc, HttpHeaders response, long nowSeconds) {
        if (cc.sMaxAge() >= 0) {
            return cc.sMaxAge();
        }
        if (cc.maxAge() >= 0) {
            return cc.maxAge();
        }
        long date = dateSeconds(response.get("Date"));
        if (date < 0) {
            date = nowSeconds;
        }
        if (response.contains("Expires")) {
            long expires = dateSeconds(response.get("Expires"));
            // An invalid Expires, "0" among them, means already expired.
            return expires < 0 ? 0 : Math.max(0, expires - date);
        }
        long lastModified = dateSeconds(response.get("Last-Modified"));
        if (lastModified >= 0 && lastModified < date) {
            return Math.min(HEURISTIC_CAP_SECONDS, (date - lastModified) / 10);
        }
        return 0;
    }

    /** An HTTP-date in epoch seconds, or -1 when absent or malformed. */
    static long dateSeconds(String value) {
        if (value == null) {
            return -1;
        }
        Date parsed = DateFormatter.parseHttpDate(value);
        return parsed == null ? -1 : parsed.getTime() / 1000;
    }

    /** The origin's {@code Age} in seconds (0 when absent or malformed): the object's age when it came in. */
    static long initialAge(HttpHeaders response) {
        String age = response.get("Age");
        return age == null ? 0 : CacheControl.seconds(age.trim());
    }
}
