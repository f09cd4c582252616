package dev.zeroedge.transport.uring;

import dev.zeroedge.http.ColdBodySuite;
import dev.zeroedge.transport.Transport;

/** Cold bodies in mode {@code uring-splice}; forced, so an unavailable io_uring fails it. */
class UringSpliceColdBodyTest extends ColdBodySuite {

    @Override
    protected Transport transport() {
        return new UringSpliceTransport();
    }
}
