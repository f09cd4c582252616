package dev.zeroedge.metrics;

import dev.zeroedge.transport.Transport;

/** The metrics suite in one mode. */
class NioSendfileMetricsTest extends MetricsSuite {

    @Override
    protected Transport transport() {
        return new dev.zeroedge.transport.nio.NioSendfileTransport();
    }
}
