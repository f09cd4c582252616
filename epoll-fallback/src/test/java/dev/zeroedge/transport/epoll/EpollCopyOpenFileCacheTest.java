package dev.zeroedge.transport.epoll;

import dev.zeroedge.files.OpenFileCacheSuite;
import dev.zeroedge.transport.Transport;

/** The open-file cache suite in mode {@code epoll-copy}. */
class EpollCopyOpenFileCacheTest extends OpenFileCacheSuite {

    @Override
    protected Transport transport() {
        return EpollModes.require("epoll-copy");
    }
}
