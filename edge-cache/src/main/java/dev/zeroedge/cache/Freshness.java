package dev.zeroedge.cache;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * Whether a stored object may answer a request as it is, stale, or only once the origin validated it: RFC 9111
 * §4.2 (fresh, with the request's {@code max-age}, {@code min-fresh}, {@code max-stale} and {@code no-cache}) and
 * RFC 5861 ({@code stale-while-revalidate}, {@code stale-if-error}), every stale use bounded by the operator's
 * {@code --cache-stale-max} and refused when the object's directives forbid it ({@link CacheControl#mayServeStale}).
 * Pure: the clock is a parameter.
 *
 * <p>Ages are whole seconds, rounded down (§4.2.3), so a request's {@code max-age=N} is met by an age below N: an
 * object stored 400 ms ago is of age 0, and {@code max-age=0} (a browser's reload) must still validate it.
 */
final class Freshness {

    enum Verdict {
        /** Fresh enough for this request: answered from the cache. */
        FRESH,
        /** Stale, but the request's {@code max-stale} takes it: answered from the cache, the origin not asked. */
        STALE,
        /** Stale within {@code stale-while-revalidate}: answered from the cache, validated in the background. */
        STALE_WHILE_REVALIDATE,
        /** The origin must validate it first. */
        VALIDATE
    }

    private Freshness() {
    }

    static Verdict of(StoredObject object, RequestDirectives request, long nowMillis, long staleMaxSeconds) {
        long age = object.age(nowMillis);
        if (object.noCache() || request.noCache() || (request.maxAge() >= 0 && age >= request.maxAge())) {
            return Verdict.VALIDATE;
        }
        long left = object.lifetime() - age;
        if (left > 0) {
            return request.minFresh() < 0 || left >= request.minFresh() ? Verdict.FRESH : Verdict.VALIDATE;
        }
        CacheControl cc = directives(object);
        if (!cc.mayServeStale()) {
            return Verdict.VALIDATE;
        }
        long stale = -left;
        if (request.maxStale() >= 0 && stale <= Math.min(request.maxStale(), staleMaxSeconds)) {
            return Verdict.STALE;
        }
        if (cc.staleWhileRevalidate() >= 0 && stale < Math.min(cc.staleWhileRevalidate(), staleMaxSeconds)) {
            return Verdict.STALE_WHILE_REVALIDATE;
        }
        return Verdict.VALIDATE;
    }

    /**
     * Whether {@code object}, that the origin could not validate (unreachable, timed out, a 5xx), may be served stale
     * to this request: within its {@code stale-if-error} (or the request's {@code max-stale}) and the operator's
     * ceiling, and never when its directives forbid stale use.
     */
    static boolean onError(StoredObject object, RequestDirectives request, long nowMillis, long staleMaxSeconds) {
        CacheControl cc = directives(object);
        if (!cc.mayServeStale() || object.noCache()) {
            return false;
        }
        long stale = Math.max(0, object.age(nowMillis) - object.lifetime());
        long allowed = Math.max(cc.staleIfError(), request.maxStale());
        return allowed >= 0 && stale <= Math.min(allowed, staleMaxSeconds);
    }

    /** Whether a stale {@code object} could be served on an error at all (a 5xx is then not passed through). */
    static boolean mayServeOnError(StoredObject object) {
        CacheControl cc = directives(object);
        return cc.mayServeStale() && !object.noCache() && cc.staleIfError() >= 0;
    }

    /** The {@code Cache-Control} the origin gave {@code object}, from its stored fields. */
    static CacheControl directives(StoredObject object) {
        HttpHeaders headers = new DefaultHttpHeaders();
        for (String[] field : object.fields()) {
            if (field[0].equalsIgnoreCase("Cache-Control")) {
                headers.add("Cache-Control", field[1]);
            }
        }
        return CacheControl.of(headers);
    }
}
