package dev.zeroedge.transport.uring;

import dev.zeroedge.http.FifoSuite;
import dev.zeroedge.transport.Transport;

/** The FIFO suite in mode {@code uring-splice}; forced, so an unavailable io_uring fails it. */
class UringSpliceFifoTest extends FifoSuite {

    @Override
    protected Transport transport() {
        return new UringSpliceTransport();
    }
}
