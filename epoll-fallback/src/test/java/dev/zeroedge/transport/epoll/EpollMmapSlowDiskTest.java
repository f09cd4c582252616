package dev.zeroedge.transport.epoll;

import dev.zeroedge.http.SlowDiskSuite;
import dev.zeroedge.transport.Transport;
import org.junit.jupiter.api.Disabled;

/** The slow-disk suite in mode {@code epoll-mmap}, forced by name: it fails if epoll cannot run here. */
@Disabled("Open (issue 12): passes in most runs, but some runs on this 2-CPU machine have one hot request"
        + " wait about one injected delay (504 ms at 500 ms); the stall is not found yet (the fstat of"
        + " FileChannel.map is gone: Mapping). Remove this line to reproduce.")
class EpollMmapSlowDiskTest extends SlowDiskSuite {

    @Override
    protected Transport transport() {
        return EpollModes.require("epoll-mmap");
    }
}
