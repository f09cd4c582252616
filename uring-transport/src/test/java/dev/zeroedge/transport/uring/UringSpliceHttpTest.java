package dev.zeroedge.transport.uring;

import dev.zeroedge.http.HttpBehaviourSuite;
import dev.zeroedge.transport.Transport;

/** The HTTP behaviour suite in mode {@code uring-splice}; forced, so an unavailable io_uring fails it on Linux. */
class UringSpliceHttpTest extends HttpBehaviourSuite {

    @Override
    protected Transport transport() {
        return new UringSpliceTransport();
    }
}
