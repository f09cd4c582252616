package dev.zeroedge.transport.epoll;

import dev.zeroedge.http.ColdBodySuite;
import dev.zeroedge.transport.Transport;

/** Cold bodies in mode {@code epoll-copy}, forced by name: it fails if epoll cannot run here. */
class EpollCopyColdBodyTest extends ColdBodySuite {

    @Override
    protected Transport transport() {
        return EpollModes.require("epoll-copy");
    }
}
