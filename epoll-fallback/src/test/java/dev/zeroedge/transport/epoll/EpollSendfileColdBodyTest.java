package dev.zeroedge.transport.epoll;

import dev.zeroedge.http.ColdBodySuite;
import dev.zeroedge.transport.Transport;

/** Cold bodies in mode {@code epoll-sendfile}, forced by name: it fails if epoll cannot run here. */
class EpollSendfileColdBodyTest extends ColdBodySuite {

    @Override
    protected Transport transport() {
        return EpollModes.require("epoll-sendfile");
    }
}
