package dev.zeroedge.transport.epoll;

import dev.zeroedge.http.ColdBodySuite;
import dev.zeroedge.transport.Transport;

/** Cold bodies in mode {@code epoll-mmap}, forced by name: it fails if epoll cannot run here. */
class EpollMmapColdBodyTest extends ColdBodySuite {

    @Override
    protected Transport transport() {
        return EpollModes.require("epoll-mmap");
    }
}
