package dev.zeroedge.transport.epoll;

import dev.zeroedge.http.SlowDiskSuite;
import dev.zeroedge.transport.Transport;

/** The slow-disk suite in mode {@code epoll-copy}, forced by name: it fails if epoll cannot run here. */
class EpollCopySlowDiskTest extends SlowDiskSuite {

    @Override
    protected Transport transport() {
        return EpollModes.require("epoll-copy");
    }
}
