package dev.zeroedge.transport.uring;

import dev.zeroedge.http.SlowDiskSuite;
import dev.zeroedge.transport.Transport;

/** The slow-disk suite in mode {@code uring-splice}; forced, so an unavailable io_uring fails it. */
class UringSpliceSlowDiskTest extends SlowDiskSuite {

    @Override
    protected Transport transport() {
        return new UringSpliceTransport();
    }
}
