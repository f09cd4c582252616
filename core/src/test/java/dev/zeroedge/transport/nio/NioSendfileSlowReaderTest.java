package dev.zeroedge.transport.nio;

import dev.zeroedge.http.SlowReaderSuite;
import dev.zeroedge.transport.Transport;

/** The send timeout in mode {@code nio-sendfile}. */
class NioSendfileSlowReaderTest extends SlowReaderSuite {

    @Override
    protected Transport transport() {
        return new NioSendfileTransport();
    }

    /** The JDK's socket channel offers no TCP_INFO: only what the kernel takes counts as progress. */
    @Override
    protected boolean seesTheWire() {
        return false;
    }
}
