package dev.zeroedge.transport.nio;

import dev.zeroedge.http.ColdBodySuite;
import dev.zeroedge.transport.Transport;

/** Cold bodies in mode {@code nio-sendfile}: transferTo of a cold range must not stall the loop. */
class NioSendfileColdBodyTest extends ColdBodySuite {

    @Override
    protected Transport transport() {
        return new NioSendfileTransport();
    }
}
