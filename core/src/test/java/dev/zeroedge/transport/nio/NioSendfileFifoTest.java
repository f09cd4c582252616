package dev.zeroedge.transport.nio;

import dev.zeroedge.http.FifoSuite;
import dev.zeroedge.transport.Transport;

/** The FIFO suite in mode {@code nio-sendfile}. */
class NioSendfileFifoTest extends FifoSuite {

    @Override
    protected Transport transport() {
        return new NioSendfileTransport();
    }
}
