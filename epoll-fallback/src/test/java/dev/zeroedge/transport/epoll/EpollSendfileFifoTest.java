package dev.zeroedge.transport.epoll;

import dev.zeroedge.http.FifoSuite;
import dev.zeroedge.transport.Transport;

/** The FIFO suite in mode {@code epoll-sendfile}, forced by name: it fails if epoll cannot run here. */
class EpollSendfileFifoTest extends FifoSuite {

    @Override
    protected Transport transport() {
        return EpollModes.require("epoll-sendfile");
    }
}
