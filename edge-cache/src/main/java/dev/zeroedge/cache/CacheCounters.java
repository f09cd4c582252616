package dev.zeroedge.cache;

import dev.zeroedge.content.Description;
import dev.zeroedge.http.Exchange;
import dev.zeroedge.http.SiteObserver;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the cache counts for its metrics: lookups answered as hits and as misses, clients that joined a fill under
 * way, fills in flight, origin body bytes, origin faults by kind, evictions and the time the index took to come
 * back. Each count is a {@link LongAdder}: an event loop adds to a cell of its own, so counting costs no lock and
 * no shared cache line; a scrape sums the cells. Also responses passed through for want of disk space, by kind, and
 * slice fetches by outcome with their body bytes.
 *
 * <p>As the site's observer (wired by the launcher next to the metrics' own) it also counts the body bytes that
 * went out of responses whose {@code Cache-Status} said {@code hit}: what the kernel took, so a range, a HEAD or a
 * 304 of a hit counts what was sent, not the object's length.
 */
public final class CacheCounters implements SiteObserver {

    /** How a fetch from the origin failed, as the metrics label it. */
    public enum OriginError {
        /** Connection refused, or closed or reset before a head (502). */
        UNREACHABLE,
        /** No connection within the connect timeout, or no head within the first-byte timeout (504). */
        TIMEOUT,
        /** The body stopped before its end: a close, a reset or the idle timeout. */
        CUT_SHORT
    }

    /** What a purge reached, as the metrics label it. */
    public enum PurgeKind {
        /** {@code PURGE /path}: the object and its variants removed. */
        KEY,
        /** {@code X-Purge-Prefix}: every object under a prefix, by record. */
        PREFIX,
        /** {@code X-Purge-Soft: 1}: marked stale (a key's or a prefix's), validated on its next use. */
        SOFT
    }

    /** What a response passed through for want of disk space was, as the metrics label it. */
    public enum PassThroughKind {
        /** A whole object: its reservation refused, or its file could not be made (ENOSPC). */
        WHOLE,
        /** An object in slices: the reservation of its length refused, or its blocks not to be had. */
        SLICE,
        /** A fill whose writes met a full disk with nothing left to evict: relayed to its clients to the end. */
        MID_FILL
    }

    /** How a slice fetch (one Range request of an object in slices) ended, as the metrics label it. */
    public enum SliceOutcome {
        /** Every slice it held was written and committed. */
        COMMITTED,
        /** It failed: the origin unreachable, late, a 5xx or cut short, or the disk; committed slices stay. */
        FAILED,
        /** The origin's object had changed (another validator or length, a 412): the object was discarded. */
        CHANGED
    }

    /** One reading of every count, for a scrape. */
    public record Counts(long hits, long misses, long coalesced, long fillsInFlight, long hitBytesSent,
                         long originBytes, long[] originErrors, long objects, long bytesOnDisk, long evictions,
                         double recoverySeconds, boolean recovered, long[] purges, long[] passedThrough,
                         long[] sliceFetches, long sliceOriginBytes) {

        public long originErrors(OriginError kind) {
            return originErrors[kind.ordinal()];
        }

        public long purges(PurgeKind kind) {
            return purges[kind.ordinal()];
        }

        public long passedThrough(PassThroughKind kind) {
            return passedThrough[kind.ordinal()];
        }

        public long sliceFetches(SliceOutcome outcome) {
            return sliceFetches[outcome.ordinal()];
        }
    }

    /** The head line that marks a hit: {@link EdgeCache#description} puts Cache-Status last. */
    private static final byte[] HIT_LINE = "Cache-Status: zeroedge; hit\r\n".getBytes(StandardCharsets.ISO_8859_1);

    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder coalesced = new LongAdder();
    private final LongAdder fillsInFlight = new LongAdder();
    private final LongAdder hitBytesSent = new LongAdder();
    private final LongAdder originBytes = new LongAdder();
    private final LongAdder[] originErrors = new LongAdder[OriginError.values().length];
    private final LongAdder evictions = new LongAdder();
    private final LongAdder[] purges = new LongAdder[PurgeKind.values().length];
    private final LongAdder[] passedThrough = new LongAdder[PassThroughKind.values().length];
    private final LongAdder[] sliceFetches = new LongAdder[SliceOutcome.values().length];
    private final LongAdder sliceOriginBytes = new LongAdder();
    private volatile long recoveryNanos = -1;

    public CacheCounters() {
        Arrays.setAll(originErrors, i -> new LongAdder());
        Arrays.setAll(purges, i -> new LongAdder());
        Arrays.setAll(passedThrough, i -> new LongAdder());
        Arrays.setAll(sliceFetches, i -> new LongAdder());
    }

    void hit() {
        hits.increment();
    }

    void miss() {
        misses.increment();
    }

    void joined() {
        coalesced.increment();
    }

    void fillStarted() {
        fillsInFlight.increment();
    }

    void fillEnded() {
        fillsInFlight.decrement();
    }

    void fromOrigin(long bytes) {
        originBytes.add(bytes);
    }

    void originFailed(OriginError kind) {
        originErrors[kind.ordinal()].increment();
    }

    void evicted() {
        evictions.increment();
    }

    void purged(PurgeKind kind) {
        purges[kind.ordinal()].increment();
    }

    void passedThrough(PassThroughKind kind) {
        passedThrough[kind.ordinal()].increment();
    }

    void sliceFetched(SliceOutcome outcome) {
        sliceFetches[outcome.ordinal()].increment();
    }

    /** Body bytes of slice fetches written into their object (also counted in {@link #fromOrigin}). */
    void sliceBytes(long bytes) {
        sliceOriginBytes.add(bytes);
    }

    void recovered(long nanos) {
        recoveryNanos = nanos;
    }

    @Override
    public void responded(Exchange exchange) {
        Description description = exchange.description();
        if (description != null && endsWith(description.extraLines(), HIT_LINE)) {
            hitBytesSent.add(exchange.bodyBytes());
        }
    }

    private static boolean endsWith(byte[] lines, byte[] end) {
        int from = lines.length - end.length;
        return from >= 0 && Arrays.equals(lines, from, lines.length, end, 0, end.length);
    }

    /** The counts now, with what the index holds ({@code objects}, {@code bytes}). */
    Counts read(long objects, long bytes) {
        long[] errors = new long[originErrors.length];
        for (int i = 0; i < errors.length; i++) {
            errors[i] = originErrors[i].sum();
        }
        long[] purged = new long[purges.length];
        for (int i = 0; i < purged.length; i++) {
            purged[i] = purges[i].sum();
        }
        long recovery = recoveryNanos;
        return new Counts(hits.sum(), misses.sum(), coalesced.sum(), fillsInFlight.sum(), hitBytesSent.sum(),
                originBytes.sum(), errors, objects, bytes, evictions.sum(),
                recovery < 0 ? 0 : recovery / 1e9, recovery >= 0, purged, sums(passedThrough), sums(sliceFetches),
                sliceOriginBytes.sum());
    }

    private static long[] sums(LongAdder[] adders) {
        long[] sums = new long[adders.length];
        for (int i = 0; i < sums.length; i++) {
            sums[i] = adders[i].sum();
        }
        return sums;
    }
}
