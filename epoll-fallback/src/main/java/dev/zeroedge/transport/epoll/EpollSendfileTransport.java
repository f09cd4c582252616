package dev.zeroedge.transport.epoll;

/** {@code epoll-sendfile}: the fallback when io_uring cannot run; file bytes go out by sendfile(2). */
public final class EpollSendfileTransport extends EpollTransport {

    public static final String MODE = "epoll-sendfile";

    public EpollSendfileTransport() {
        super(MODE, new SendfileSender());
    }
}
