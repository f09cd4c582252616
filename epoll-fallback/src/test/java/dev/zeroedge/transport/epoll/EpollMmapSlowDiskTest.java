package dev.zeroedge.transport.epoll;

import dev.zeroedge.http.SlowDiskSuite;
import dev.zeroedge.transport.Transport;

/** The slow-disk suite in mode {@code epoll-mmap}, forced by name: it fails if epoll cannot run here. */
class EpollMmapSlowDiskTest extends SlowDiskSuite {

    @Override
    protected Transport transport() {
        return EpollModes.require("epoll-mmap");
    }
}
