package dev.zeroedge.transport.nio;

import dev.zeroedge.http.SlowDiskSuite;
import dev.zeroedge.transport.Transport;

/** The slow-disk suite in mode {@code nio-sendfile}. */
class NioSendfileSlowDiskTest extends SlowDiskSuite {

    @Override
    protected Transport transport() {
        return new NioSendfileTransport();
    }
}
