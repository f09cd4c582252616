package dev.zeroedge.transport.nio;

import dev.zeroedge.transport.SenderContractSuite;
import dev.zeroedge.transport.Transport;

/** The sender contract in mode {@code nio-sendfile}. */
class NioSendfileSenderContractTest extends SenderContractSuite {

    @Override
    protected Transport transport() {
        return new NioSendfileTransport();
    }
}
