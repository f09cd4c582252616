package dev.zeroedge.transport.uring;

import dev.zeroedge.http.HttpBehaviourSuite;
import dev.zeroedge.transport.Transport;

/**
 * The HTTP behaviour suite in mode {@code uring-splice} with both halves submitted at once unlinked: the
 * socket half waits on the blocking pipe while the file half fills it (a 256 KiB pipe in four chunks).
 */
class UringSpliceParallelHttpTest extends HttpBehaviourSuite {

    @Override
    protected Transport transport() {
        return new UringSpliceTransport(new SpliceTuning(256 * 1024, SpliceTuning.Chain.PARALLEL, 4, true));
    }
}
