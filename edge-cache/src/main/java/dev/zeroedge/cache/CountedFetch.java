package dev.zeroedge.cache;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpResponse;

/**
 * A fetch from the origin as the metrics see it: in flight from its request to its end, its failure or its being
 * given up (whichever comes first, counted once), its body bytes, and its fault by kind. It passes everything on
 * to the fill (or slice fetch) unchanged; all of it runs on the origin connection's loop.
 */
final class CountedFetch implements OriginClient.Exchange, OriginClient.Reads {

    private final OriginClient.Exchange fill;
    private final CacheCounters counters;
    private OriginClient.Reads reads;
    private boolean over;

    CountedFetch(OriginClient.Exchange fill, CacheCounters counters) {
        this.fill = fill;
        this.counters = counters;
        counters.fillStarted();
    }

    private void over() {
        if (!over) {
            over = true;
            counters.fillEnded();
        }
    }

    @Override
    public void head(HttpResponse head, OriginClient.Reads reads) {
        this.reads = reads;
        fill.head(head, this);
    }

    @Override
    public void body(ByteBuf content) {
        counters.fromOrigin(content.readableBytes());
        fill.body(content);
    }

    @Override
    public void endOfBatch() {
        fill.endOfBatch();
    }

    @Override
    public void end() {
        over();
        fill.end();
    }

    @Override
    public void failed(OriginClient.Fault fault, Throwable cause) {
        over();
        OriginClient.Upload upload = fill.upload();
        if (upload == null || !upload.cutByClient()) {
            counters.originFailed(switch (fault) {
                case UNREACHABLE -> CacheCounters.OriginError.UNREACHABLE;
                case NO_FIRST_BYTE -> CacheCounters.OriginError.TIMEOUT;
                case CUT_SHORT -> CacheCounters.OriginError.CUT_SHORT;
            });
        }
        fill.failed(fault, cause);
    }

    @Override
    public OriginClient.Upload upload() {
        return fill.upload();
    }

    @Override
    public void more() {
        reads.more();
    }

    @Override
    public void abandon() {
        over();
        reads.abandon();
    }
}
