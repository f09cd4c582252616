package dev.zeroedge.transport.uring;

import dev.zeroedge.http.ContentSourceSuite;
import dev.zeroedge.transport.Transport;

/** The second-source suite in mode {@code uring-splice}. */
class UringSpliceContentSourceTest extends ContentSourceSuite {

    @Override
    protected Transport transport() {
        return new UringSpliceTransport();
    }
}
