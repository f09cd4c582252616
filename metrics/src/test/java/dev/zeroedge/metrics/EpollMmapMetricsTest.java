package dev.zeroedge.metrics;

import dev.zeroedge.mode.Mode;
import dev.zeroedge.transport.Transport;

/** The metrics suite in one mode. */
class EpollMmapMetricsTest extends MetricsSuite {

    @Override
    protected Transport transport() {
        return dev.zeroedge.transport.Transports.load().require(Mode.EPOLL_MMAP);
    }
}
