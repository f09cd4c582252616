package dev.zeroedge.transport.nio;

import dev.zeroedge.http.HttpBehaviourSuite;
import dev.zeroedge.transport.Transport;

/** The HTTP behaviour suite in mode {@code nio-sendfile}. */
class NioSendfileHttpTest extends HttpBehaviourSuite {

    @Override
    protected Transport transport() {
        return new NioSendfileTransport();
    }
}
