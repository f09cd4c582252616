package dev.zeroedge.http;

import dev.zeroedge.files.OpenFileCache;
import dev.zeroedge.transport.FairFileSender;
import dev.zeroedge.transport.SendCounters;

/** What every connection of a server shares: the files, how their bytes leave, the limits, the counters. */
public final class Site {

    private final OpenFileCache files;
    private final FairFileSender sender;
    private final HttpLimits limits;
    private final SendCounters counters;
    private volatile boolean draining;

    public Site(OpenFileCache files, FairFileSender sender, HttpLimits limits, SendCounters counters) {
        this.files = files;
        this.sender = sender;
        this.limits = limits;
        this.counters = counters;
    }

    /** The document root behind its cache of resolved, open files. */
    public OpenFileCache files() {
        return files;
    }

    public FairFileSender sender() {
        return sender;
    }

    public HttpLimits limits() {
        return limits;
    }

    public SendCounters counters() {
        return counters;
    }

    /** Shutting down: connections close after the response in flight instead of waiting for another. */
    public boolean draining() {
        return draining;
    }

    public void startDraining() {
        draining = true;
    }
}
