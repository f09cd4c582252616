package dev.zeroedge.transport.epoll;

import dev.zeroedge.http.ContentSourceSuite;
import dev.zeroedge.transport.Transport;

/** The second-source suite in mode {@code epoll-sendfile}. */
class EpollSendfileContentSourceTest extends ContentSourceSuite {

    @Override
    protected Transport transport() {
        return EpollModes.require("epoll-sendfile");
    }
}
