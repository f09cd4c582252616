package dev.zeroedge.transport.epoll;

import dev.zeroedge.files.OpenFileCacheSuite;
import dev.zeroedge.transport.Transport;

/** The open-file cache suite in mode {@code epoll-mmap}. */
class EpollMmapOpenFileCacheTest extends OpenFileCacheSuite {

    @Override
    protected Transport transport() {
        return EpollModes.require("epoll-mmap");
    }
}
