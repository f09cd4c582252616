package dev.zeroedge.transport.epoll;

import dev.zeroedge.http.ContentSourceSuite;
import dev.zeroedge.transport.Transport;

/** The second-source suite in mode {@code epoll-copy}. */
class EpollCopyContentSourceTest extends ContentSourceSuite {

    @Override
    protected Transport transport() {
        return EpollModes.require("epoll-copy");
    }
}
