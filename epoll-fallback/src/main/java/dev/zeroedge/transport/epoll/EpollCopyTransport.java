package dev.zeroedge.transport.epoll;

/** {@code epoll-copy}: the "traditional I/O" baseline; file bytes are read into a buffer, then written. */
public final class EpollCopyTransport extends EpollTransport {

    public static final String MODE = "epoll-copy";

    public EpollCopyTransport() {
        super(MODE, new CopySender());
    }
}
