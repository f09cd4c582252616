package dev.zeroedge.transport.epoll;

import dev.zeroedge.mode.Mode;
import dev.zeroedge.transport.SenderContractSuite;
import dev.zeroedge.transport.Transport;

/** The sender contract in mode {@code epoll-sendfile}, forced by name: it fails if epoll cannot run here. */
class EpollSendfileSenderContractTest extends SenderContractSuite {

    @Override
    protected Transport transport() {
        return EpollModes.require(Mode.EPOLL_SENDFILE);
    }
}
