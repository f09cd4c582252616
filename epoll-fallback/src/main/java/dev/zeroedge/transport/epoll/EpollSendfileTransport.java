package dev.zeroedge.transport.epoll;

import dev.zeroedge.mode.Mode;

/** {@code epoll-sendfile}: the fallback when io_uring cannot run; file bytes go out by sendfile(2). */
public final class EpollSendfileTransport extends EpollTransport {

    public EpollSendfileTransport() {
        super(Mode.EPOLL_SENDFILE, pool -> new SendfileSender());
    }
}
