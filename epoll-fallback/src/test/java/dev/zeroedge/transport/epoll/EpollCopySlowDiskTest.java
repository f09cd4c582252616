package dev.zeroedge.transport.epoll;

import dev.zeroedge.http.SlowDiskSuite;
import dev.zeroedge.transport.Transport;
import org.junit.jupiter.api.Disabled;

/** The slow-disk suite in mode {@code epoll-copy}, forced by name: it fails if epoll cannot run here. */
@Disabled("Open (issue 12): passes in most runs, but about one run in three on this 2-CPU machine has a few"
        + " hot requests wait 0.8-3.5 s behind the slow part; thread dumps of passing runs show no file-system"
        + " call on the loop, the stall is not found yet. Remove this line to reproduce.")
class EpollCopySlowDiskTest extends SlowDiskSuite {

    @Override
    protected Transport transport() {
        return EpollModes.require("epoll-copy");
    }
}
