package dev.zeroedge.cache;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * RFC 9111 §4.2 and §5.2.1, RFC 5861 as a table: an object of a given age, lifetime and Cache-Control, asked
 * with a given request Cache-Control, under a stale ceiling of one hour.
 */
class FreshnessTest {

    private static final long NOW = 1_000_000_000L;
    private static final long STALE_MAX = 3600;

    /** Columns: the object's Cache-Control; its age; its lifetime; the request's Cache-Control; verdict; on error. */
    @ParameterizedTest(name = "[{0}] age {1}/{2} req [{3}] → {4}, on error {5}")
    @CsvSource(delimiter = ';', value = {
            "max-age=60; 10; 60; ; FRESH; false",
            "max-age=60; 60; 60; ; VALIDATE; false",
            "max-age=60; 10; 60; max-age=0; VALIDATE; false",
            "max-age=60; 0; 60; max-age=0; VALIDATE; false",
            "max-age=60; 10; 60; max-age=11; FRESH; false",
            "max-age=60; 10; 60; max-age=10; VALIDATE; false",
            "max-age=60; 10; 60; no-cache; VALIDATE; false",
            "max-age=60; 10; 60; min-fresh=50; FRESH; false",
            "max-age=60; 10; 60; min-fresh=51; VALIDATE; false",
            "max-age=60; 100; 60; max-stale; STALE; true",
            "max-age=60; 100; 60; max-stale=40; STALE; true",
            "max-age=60; 100; 60; max-stale=39; VALIDATE; false",
            "max-age=60; 100; 60; 'max-stale=99999, max-age=200'; STALE; true",
            "'max-age=60, must-revalidate'; 100; 60; max-stale; VALIDATE; false",
            "'max-age=60, proxy-revalidate'; 100; 60; max-stale; VALIDATE; false",
            "'s-maxage=60'; 100; 60; max-stale; VALIDATE; false",
            "'max-age=60, stale-while-revalidate=41'; 100; 60; ; STALE_WHILE_REVALIDATE; false",
            "'max-age=60, stale-while-revalidate=40'; 100; 60; ; VALIDATE; false",
            "'max-age=60, stale-while-revalidate=99999'; 4000; 60; ; VALIDATE; false",
            "'max-age=60, stale-while-revalidate=600, must-revalidate'; 100; 60; ; VALIDATE; false",
            "'max-age=60, stale-if-error=40'; 100; 60; ; VALIDATE; true",
            "'max-age=60, stale-if-error=39'; 100; 60; ; VALIDATE; false",
            "'max-age=60, stale-if-error=99999'; 3660; 60; ; VALIDATE; true",
            "'max-age=60, stale-if-error=99999'; 3661; 60; ; VALIDATE; false",
            "'max-age=60, stale-if-error=600, must-revalidate'; 100; 60; ; VALIDATE; false",
            "'max-age=60, stale-if-error=600, s-maxage=60'; 100; 60; ; VALIDATE; false",
            "'no-cache, stale-if-error=600'; 0; 0; ; VALIDATE; false",
    })
    void verdicts(String objectCc, long age, long lifetime, String requestCc, Freshness.Verdict verdict,
                  boolean onError) {
        boolean noCache = objectCc.contains("no-cache");
        StoredObject object = new StoredObject("k", 200, "text/plain", null, null, -1,
                List.<String[]>of(new String[] {"Cache-Control", objectCc}), 5, NOW * 1000, age, lifetime, noCache,
                SliceMap.whole(5, 0));
        HttpHeaders request = new DefaultHttpHeaders();
        if (requestCc != null) {
            request.set("Cache-Control", requestCc);
        }
        RequestDirectives directives = RequestDirectives.of(request);
        assertEquals(verdict, Freshness.of(object, directives, NOW * 1000, STALE_MAX));
        assertEquals(onError, Freshness.onError(object, directives, NOW * 1000, STALE_MAX));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', value = {
            "only-if-cached; false; true; -1; -1; -1",
            "'no-cache, max-age=5, max-age=3'; true; false; 3; -1; -1",
            "'min-fresh=10, max-stale'; false; false; -1; 10; 9223372036854775807",
            "'max-stale=\"30\"'; false; false; -1; -1; 30",
            "max-age=abc; false; false; 0; -1; -1",
    })
    void requestDirectives(String cc, boolean noCache, boolean onlyIfCached, long maxAge, long minFresh,
                           long maxStale) {
        HttpHeaders request = new DefaultHttpHeaders().set("Cache-Control", cc);
        assertEquals(new RequestDirectives(noCache, onlyIfCached, maxAge, minFresh, maxStale),
                RequestDirectives.of(request));
    }

    @org.junit.jupiter.api.Test
    void pragmaNoCacheCountsOnlyWithoutCacheControl() {
        assertEquals(true, RequestDirectives.of(new DefaultHttpHeaders().set("Pragma", "no-cache")).noCache());
        assertEquals(false, RequestDirectives.of(new DefaultHttpHeaders().set("Pragma", "no-cache")
                .set("Cache-Control", "max-age=5")).noCache());
    }
}
