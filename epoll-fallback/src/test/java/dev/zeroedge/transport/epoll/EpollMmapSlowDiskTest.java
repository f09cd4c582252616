package dev.zeroedge.transport.epoll;

import dev.zeroedge.http.SlowDiskSuite;
import dev.zeroedge.transport.Transport;
import org.junit.jupiter.api.Disabled;

/** The slow-disk suite in mode {@code epoll-mmap}, forced by name: it fails if epoll cannot run here. */
@Disabled("Open (issue 12): 1 of 2 runs since the per-disk pool passes, the other had one hot request of 399"
        + " ms at load 19. A write from a mapping whose FUSE pages are gone again faults on the loop, and the"
        + " fault holds the process's mmap lock: perf trace shows the other loop stuck 0.2-0.4 s in mmap, munmap,"
        + " epoll_ctl and getsockname meanwhile. mmap is a baseline. Remove this line to reproduce.")
class EpollMmapSlowDiskTest extends SlowDiskSuite {

    @Override
    protected Transport transport() {
        return EpollModes.require("epoll-mmap");
    }
}
