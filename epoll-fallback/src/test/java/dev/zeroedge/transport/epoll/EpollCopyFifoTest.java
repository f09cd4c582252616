package dev.zeroedge.transport.epoll;

import dev.zeroedge.http.FifoSuite;
import dev.zeroedge.transport.Transport;

/** The FIFO suite in mode {@code epoll-copy}, forced by name: it fails if epoll cannot run here. */
class EpollCopyFifoTest extends FifoSuite {

    @Override
    protected Transport transport() {
        return EpollModes.require("epoll-copy");
    }
}
