package dev.zeroedge.transport.epoll;

import dev.zeroedge.mode.Mode;

/** {@code epoll-copy}: the "traditional I/O" baseline; file bytes are read into a buffer, then written. */
public final class EpollCopyTransport extends EpollTransport {

    public EpollCopyTransport() {
        super(Mode.EPOLL_COPY, CopySender::new);
    }
}
