package dev.zeroedge.transport.epoll;

import dev.zeroedge.http.HttpBehaviourSuite;
import dev.zeroedge.transport.Transport;

/** The HTTP behaviour suite in mode {@code epoll-copy}, forced by name: it fails if epoll cannot run here. */
class EpollCopyHttpTest extends HttpBehaviourSuite {

    @Override
    protected Transport transport() {
        return EpollModes.require("epoll-copy");
    }
}
