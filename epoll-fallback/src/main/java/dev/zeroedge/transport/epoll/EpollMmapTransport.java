package dev.zeroedge.transport.epoll;

import dev.zeroedge.mode.Mode;

/** {@code epoll-mmap}: baseline; file bytes are written from a mapping of the file (one copy saved, not two). */
public final class EpollMmapTransport extends EpollTransport {

    public EpollMmapTransport() {
        super(Mode.EPOLL_MMAP, MappedSender::new);
    }
}
