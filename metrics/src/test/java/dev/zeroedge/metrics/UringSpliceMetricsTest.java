package dev.zeroedge.metrics;

import dev.zeroedge.transport.Transport;

/** The metrics suite in one mode. */
class UringSpliceMetricsTest extends MetricsSuite {

    @Override
    protected Transport transport() {
        return new dev.zeroedge.transport.uring.UringSpliceTransport();
    }
}
