package dev.zeroedge.http;

/**
 * Told what the connections of a site do: each response once it ended, and the connection events the metrics
 * count. Every call runs on the event loop of the connection, so an observer may keep plain per-loop counters
 * and must never block: the access log hands its lines to a thread of its own. A site without an observer
 * (the default) measures nothing: no clock is read and nothing is allocated for it.
 */
public interface SiteObserver {

    /**
     * A response ended: all of it is in the kernel ({@link Exchange#complete()}) or it failed and the connection
     * closes. {@code exchange} belongs to the connection and is reused for its next response: copy what is kept.
     */
    void responded(Exchange exchange);

    /** A client connection was accepted (before the connection limit looked at it). */
    default void accepted() {
    }

    /** A connection past the connection limit was refused with 503. */
    default void refused() {
    }

    /** A connection was closed by one of its clocks ({@link ConnectionClock}). */
    default void timedOut(Timeout timeout) {
    }

    /** Which clock closed a connection. */
    enum Timeout {
        /** A request head not complete within the header timeout (answered 408). */
        HEADER,
        /** No request within the idle keep-alive timeout. */
        IDLE,
        /** A response of which the kernel took nothing for the send timeout. */
        SEND
    }

    /** Both, in this order; null stands for none. */
    static SiteObserver both(SiteObserver first, SiteObserver second) {
        if (first == null) {
            return second;
        }
        if (second == null) {
            return first;
        }
        return new SiteObserver() {
            @Override
            public void responded(Exchange exchange) {
                first.responded(exchange);
                second.responded(exchange);
            }

            @Override
            public void accepted() {
                first.accepted();
                second.accepted();
            }

            @Override
            public void refused() {
                first.refused();
                second.refused();
            }

            @Override
            public void timedOut(Timeout timeout) {
                first.timedOut(timeout);
                second.timedOut(timeout);
            }
        };
    }
}
