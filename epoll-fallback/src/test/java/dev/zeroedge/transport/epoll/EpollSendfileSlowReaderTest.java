package dev.zeroedge.transport.epoll;

import dev.zeroedge.http.SlowReaderSuite;
import dev.zeroedge.transport.Transport;

/** The send timeout in mode {@code epoll-sendfile}, forced by name: it fails if epoll cannot run here. */
class EpollSendfileSlowReaderTest extends SlowReaderSuite {

    @Override
    protected Transport transport() {
        return EpollModes.require("epoll-sendfile");
    }
}
