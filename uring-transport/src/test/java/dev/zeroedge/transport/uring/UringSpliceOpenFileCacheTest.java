package dev.zeroedge.transport.uring;

import dev.zeroedge.files.OpenFileCacheSuite;
import dev.zeroedge.transport.Transport;

/** The open-file cache suite in mode {@code uring-splice} (uring-splice's sender splices from the cached descriptor itself). */
class UringSpliceOpenFileCacheTest extends OpenFileCacheSuite {

    @Override
    protected Transport transport() {
        return new UringSpliceTransport();
    }
}
