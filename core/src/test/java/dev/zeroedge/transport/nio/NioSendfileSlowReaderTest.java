package dev.zeroedge.transport.nio;

import dev.zeroedge.http.SlowReaderSuite;
import dev.zeroedge.transport.Transport;

/** The send timeout in mode {@code nio-sendfile}. */
class NioSendfileSlowReaderTest extends SlowReaderSuite {

    @Override
    protected Transport transport() {
        return new NioSendfileTransport();
    }
}
