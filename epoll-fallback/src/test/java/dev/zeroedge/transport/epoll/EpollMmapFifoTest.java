package dev.zeroedge.transport.epoll;

import dev.zeroedge.http.FifoSuite;
import dev.zeroedge.transport.Transport;

/** The FIFO suite in mode {@code epoll-mmap}, forced by name: it fails if epoll cannot run here. */
class EpollMmapFifoTest extends FifoSuite {

    @Override
    protected Transport transport() {
        return EpollModes.require("epoll-mmap");
    }
}
