package dev.zeroedge.cache;

import dev.zeroedge.mode.Mode;
import dev.zeroedge.transport.Transport;
import dev.zeroedge.transport.Transports;

/** The edge cache suite in mode {@code epoll-copy}. */
class EpollCopyEdgeCacheTest extends EdgeCacheSuite {

    @Override
    protected Transport transport() {
        return Transports.load().require(Mode.EPOLL_COPY);
    }
}
