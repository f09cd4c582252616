package dev.zeroedge.cache;

import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;
import java.util.Set;

/**
 * A {@link Fill} that asks the origin to validate a stale object (RFC 9111 §4.3.1: {@code If-None-Match} with its
 * entity tag, {@code If-Modified-Since} with its Last-Modified) rather than fetch it blind. The fill is the same:
 * coalesced the same way, and a {@code 200} replaces the object as any fill does. What this adds is the other two
 * ends: a {@code 304} freshens the stored object (§4.3.4: the 304's fields replace the stored ones of the same
 * name, §3.2, and its age starts again) by rewriting its metadata file alone, the body untouched; and an origin that
 * fails leaves the stale object for {@code stale-if-error} to serve. Every waiter of the fill then looks at
 * {@link #outcome} and answers itself.
 */
final class Revalidation {

    private static final Logger log = LoggerFactory.getLogger(Revalidation.class);

    /**
     * Fields of a 304 that never replace the stored ones (§3.2): the body's own framing and coding, which the 304
     * does not describe, and this hop's.
     */
    private static final Set<String> KEPT = Set.of("content-length", "content-type", "content-range",
            "content-encoding", "transfer-encoding", "date", "age", "server", "via", "cache-status", "accept-ranges");
    private static final String VIA = "1.1 zeroedge";

    enum Outcome { ASKING, VALIDATED, FAILED, REPLACED }

    private final EdgeCache cache;
    private final CacheKey key;
    private final String hash;
    private final StoredObject stale;
    private volatile Outcome outcome = Outcome.ASKING;
    private volatile StoredObject validated;

    Revalidation(EdgeCache cache, CacheKey key, String hash, StoredObject stale) {
        this.cache = cache;
        this.key = key;
        this.hash = hash;
        this.stale = stale;
    }

    /** The object being validated, as it was stored. */
    StoredObject stale() {
        return stale;
    }

    Outcome outcome() {
        return outcome;
    }

    /** The object as the 304 left it; set when {@link #outcome} is {@link Outcome#VALIDATED}. */
    StoredObject validated() {
        return validated;
    }

    /** The request that validates {@code asked}'s object: it, with the stored validators as conditionals. */
    EdgeCache.OriginRequest conditional(EdgeCache.OriginRequest asked) {
        HttpHeaders headers = asked.headers().copy();
        String etag = stale.etag() != null ? stale.etag() : stale.field("ETag");
        if (etag != null) {
            headers.set(HttpHeaderNames.IF_NONE_MATCH, etag);
        }
        if (stale.lastModified() != null) {
            headers.set(HttpHeaderNames.IF_MODIFIED_SINCE, stale.lastModified());
        }
        return new EdgeCache.OriginRequest(asked.target(), headers, asked.range());
    }

    /** Whether the fill's response is this validation's to take instead of being filled or passed through. */
    boolean takes(HttpResponse response) {
        int status = response.status().code();
        return status == 304 || (status >= 500 && Freshness.mayServeOnError(stale));
    }

    /**
     * The origin did not answer, or answered a 5xx that {@code stale-if-error} may cover: nothing changes on disk,
     * and the waiters decide whether the stale object may answer them.
     */
    void failed() {
        outcome = Outcome.FAILED;
    }

    /**
     * The origin answered {@code response}, a 304: the object's new metadata is written (on a file-system thread),
     * the index learns it, then {@code done} runs on {@code loop}. When the object went meanwhile (evicted,
     * replaced), the outcome is {@link Outcome#REPLACED} and the waiters look the key up again.
     */
    void notModified(HttpResponse response, long nowMillis, EventLoop loop, Runnable done) {
        StoredObject after = freshened(response, nowMillis);
        CacheDirectory directory = cache.directory(hash);
        Store store = directory.store();
        Future<Boolean> written = directory.submit(() -> store.revalidated(hash, stale, after), loop);
        if (written == null) {
            // The file-system queue is full: the stale object answers, freshened in memory only this once.
            validated = after;
            outcome = Outcome.VALIDATED;
            done.run();
            return;
        }
        written.addListener(result -> {
            if (result.isSuccess() && Boolean.TRUE.equals(result.getNow())) {
                cache.index().put(hash, after);
                validated = after;
                outcome = Outcome.VALIDATED;
            } else {
                if (!result.isSuccess()) {
                    log.warn("cannot rewrite the metadata of {}: {}", key.text(), result.cause().toString());
                }
                outcome = Outcome.REPLACED;
            }
            done.run();
        });
    }

    /**
     * The stored object with the 304's fields in place of its own of the same names and its age starting now,
     * its freshness decided again from the fields it has now (a 304 that says {@code no-store} leaves it stale, so
     * the next use validates again).
     */
    StoredObject freshened(HttpResponse response, long nowMillis) {
        HttpHeaders merged = new DefaultHttpHeaders();
        merged.set(HttpHeaderNames.CONTENT_TYPE, stale.type());
        if (stale.etag() != null) {
            merged.set(HttpHeaderNames.ETAG, stale.etag());
        }
        if (stale.lastModified() != null) {
            merged.set(HttpHeaderNames.LAST_MODIFIED, stale.lastModified());
        }
        String storedVia = null;
        for (String[] field : stale.fields()) {
            if (field[0].equalsIgnoreCase("Via")) {
                storedVia = field[1];
            } else {
                merged.add(field[0], field[1]);
            }
        }
        HttpHeaders got = response.headers();
        Set<String> hop = HopByHop.of(got);
        for (String name : got.names()) {
            String lower = name.toLowerCase(Locale.ROOT);
            if (!hop.contains(lower) && !KEPT.contains(lower)) {
                merged.set(name, got.getAll(name));
            }
        }
        for (String name : new String[] {"Date", "Age", "Via"}) {
            if (got.contains(name)) {
                merged.set(name, got.getAll(name)); // this response's own, for its age and the Via it came by
            }
        }
        if (!got.contains("Via") && storedVia != null) {
            // describe() adds this hop again to what the origin's side said.
            String before = storedVia.endsWith(", " + VIA) ? storedVia.substring(0, storedVia.length() - VIA.length() - 2)
                    : storedVia.equals(VIA) ? null : storedVia;
            if (before != null) {
                merged.set("Via", before);
            }
        }
        StoragePolicy.Decision decision = StoragePolicy.decide(stale.status(), false, merged, nowMillis / 1000);
        HttpResponse as = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(stale.status()),
                merged);
        StoredObject described = cache.describe(key, as, stale.length(), nowMillis, decision);
        return described.withSlices(stale.slices()).withSecondary(stale.secondary());
    }
}
