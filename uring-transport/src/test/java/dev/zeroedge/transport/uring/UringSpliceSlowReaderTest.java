package dev.zeroedge.transport.uring;

import dev.zeroedge.http.SlowReaderSuite;
import dev.zeroedge.transport.Transport;

/** The send timeout in mode {@code uring-splice}; forced, so an unavailable io_uring fails it. */
class UringSpliceSlowReaderTest extends SlowReaderSuite {

    @Override
    protected Transport transport() {
        return new UringSpliceTransport();
    }
}
