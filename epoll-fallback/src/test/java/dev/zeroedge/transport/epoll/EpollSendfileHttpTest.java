package dev.zeroedge.transport.epoll;

import dev.zeroedge.http.HttpBehaviourSuite;
import dev.zeroedge.transport.Transport;

/** The HTTP behaviour suite in mode {@code epoll-sendfile}, forced by name: it fails if epoll cannot run here. */
class EpollSendfileHttpTest extends HttpBehaviourSuite {

    @Override
    protected Transport transport() {
        return EpollModes.require("epoll-sendfile");
    }
}
