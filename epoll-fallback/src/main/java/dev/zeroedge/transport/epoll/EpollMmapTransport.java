package dev.zeroedge.transport.epoll;

/** {@code epoll-mmap}: baseline; file bytes are written from a mapping of the file (one copy saved, not two). */
public final class EpollMmapTransport extends EpollTransport {

    public static final String MODE = "epoll-mmap";

    public EpollMmapTransport() {
        super(MODE, new MappedSender());
    }
}
