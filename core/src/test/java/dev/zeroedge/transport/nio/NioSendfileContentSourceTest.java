package dev.zeroedge.transport.nio;

import dev.zeroedge.http.ContentSourceSuite;
import dev.zeroedge.transport.Transport;

/** The second-source suite in mode {@code nio-sendfile}. */
class NioSendfileContentSourceTest extends ContentSourceSuite {

    @Override
    protected Transport transport() {
        return new NioSendfileTransport();
    }
}
