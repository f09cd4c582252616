package dev.zeroedge.accesslog;

import dev.zeroedge.http.Exchange;
import dev.zeroedge.http.SiteObserver;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The access log in force, which a reload may replace by another (a new path, format or queue) or turn off,
 * while the loops go on handing it lines. A loop reads the current log once per line; the one it replaces
 * writes what was queued to it and closes, so each line is in the old file or the new one and none is lost.
 *
 * <p>The site's observer is this object for the whole life of the server, so a server started without an
 * access log has none to replace: turning it on takes a restart, and the server that logs nothing pays for
 * nothing (see {@link SiteObserver}).
 */
public final class CurrentAccessLog implements SiteObserver, AutoCloseable {

    /**
     * How long a replaced log waits before it closes: a loop that read it the moment before the swap still
     * hands it its line (an offer to a queue takes microseconds; this is the reload thread's time, not a loop's).
     */
    private static final long SETTLE_MILLIS = 100;

    private volatile AccessLog current;
    /** Lines the replaced logs dropped: the counter of the metrics goes on counting across reloads. */
    private volatile long droppedBefore;

    public CurrentAccessLog(AccessLog first) {
        this.current = first;
    }

    @Override
    public void responded(Exchange exchange) {
        AccessLog log = current;
        if (log != null) {
            log.responded(exchange);
        }
    }

    /**
     * Makes {@code next} (null: off) the log of the lines from now on, and closes the one it replaces once it
     * wrote what it had. Blocks for a moment; called by the reload thread only.
     */
    public void replace(AccessLog next) {
        AccessLog previous = current;
        current = next;
        if (previous == null) {
            return;
        }
        try {
            TimeUnit.MILLISECONDS.sleep(SETTLE_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        previous.close();
        droppedBefore += previous.dropped();
    }

    /** The log in force, or null when a reload turned it off. */
    public AccessLog log() {
        return current;
    }

    /** SIGUSR1: the log in force closes and opens its file again. */
    public void reopen() {
        AccessLog log = current;
        if (log != null) {
            log.reopen();
        }
    }

    /** Lines dropped because a queue was full, by every log this one has had. */
    public long dropped() {
        AccessLog log = current;
        return droppedBefore + (log == null ? 0 : log.dropped());
    }

    /** The path of the log in force, or null when off. */
    public Path path() {
        AccessLog log = current;
        return log == null ? null : log.path();
    }

    @Override
    public void close() {
        AccessLog log = current;
        if (log != null) {
            log.close();
        }
    }
}
