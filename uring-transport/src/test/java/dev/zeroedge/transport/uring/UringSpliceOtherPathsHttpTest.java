package dev.zeroedge.transport.uring;

import dev.zeroedge.http.HttpBehaviourSuite;
import dev.zeroedge.transport.Transport;

/**
 * The HTTP behaviour suite in mode {@code uring-splice} with the sender's other paths: the head written
 * through Netty (the socket half waits for that write), no chain (pipe → socket after file → pipe has
 * completed), a 64 KiB pipe cut in two chunks so file → pipe and pipe → socket overlap.
 */
class UringSpliceOtherPathsHttpTest extends HttpBehaviourSuite {

    @Override
    protected Transport transport() {
        return new UringSpliceTransport(new SpliceTuning(64 * 1024, SpliceTuning.Chain.SERIAL, 2, false));
    }
}
