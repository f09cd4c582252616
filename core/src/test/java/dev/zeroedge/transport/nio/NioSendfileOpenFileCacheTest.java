package dev.zeroedge.transport.nio;

import dev.zeroedge.files.OpenFileCacheSuite;
import dev.zeroedge.transport.Transport;

/** The open-file cache suite in mode {@code nio-sendfile}. */
class NioSendfileOpenFileCacheTest extends OpenFileCacheSuite {

    @Override
    protected Transport transport() {
        return new NioSendfileTransport();
    }
}
