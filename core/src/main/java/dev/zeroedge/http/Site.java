package dev.zeroedge.http;

import dev.zeroedge.content.ContentSource;
import io.netty.channel.Channel;

import java.util.function.ToLongFunction;

/**
 * What every connection of a server shares: where responses come from, how their bytes leave, the limits, the
 * counters.
 */
public final class Site {

    private final ContentSource source;
    private final FairFileSender sender;
    /**
     * Swapped by a reload ({@link #changeLimits}) while every event loop reads it. Safe without a lock because
     * the record is immutable and the field volatile: a loop reads it once per new connection ({@link HttpPipeline})
     * and sees either the old set or the new one, whole, never a mix; a connection keeps the set it started
     * with, so its timers and its decoder agree for its whole life. (The read-ahead bound, which no flag
     * changes, is read per request.)
     */
    private volatile HttpLimits limits;
    private final SendCounters counters;
    private final ToLongFunction<Channel> sinceDataSent;
    private final SiteObserver observer;
    private volatile boolean draining;

    /**
     * {@code sinceDataSent}: see {@link dev.zeroedge.transport.Transport#millisSinceDataSent}; {@code observer}:
     * told of every response and connection event (metrics, access log), or null.
     */
    public Site(ContentSource source, FairFileSender sender, HttpLimits limits, SendCounters counters,
                ToLongFunction<Channel> sinceDataSent, SiteObserver observer) {
        this.observer = observer;
        this.source = source;
        this.sender = sender;
        this.limits = limits;
        this.counters = counters;
        this.sinceDataSent = sinceDataSent;
    }

    /** What answers requests: the document root behind its open-file cache, or another source. */
    public ContentSource source() {
        return source;
    }

    public FairFileSender sender() {
        return sender;
    }

    public HttpLimits limits() {
        return limits;
    }

    /** A reload: connections accepted from now on live within {@code next}; open ones keep theirs. */
    public void changeLimits(HttpLimits next) {
        limits = next;
    }

    public SendCounters counters() {
        return counters;
    }

    /** What is told of responses and connection events, or null: nothing is measured. */
    public SiteObserver observer() {
        return observer;
    }

    /** Milliseconds since the kernel last sent data on {@code channel}, or -1 when unknown. */
    long millisSinceDataSent(Channel channel) {
        return sinceDataSent.applyAsLong(channel);
    }

    /** Shutting down: connections close after the response in flight instead of waiting for another. */
    public boolean draining() {
        return draining;
    }

    public void startDraining() {
        draining = true;
    }
}
