package dev.zeroedge.transport.uring;

import dev.zeroedge.transport.SenderContractSuite;
import dev.zeroedge.transport.Transport;

/** The sender contract in mode {@code uring-splice}, the primary; forced, so an unavailable io_uring fails it. */
class UringSpliceSenderContractTest extends SenderContractSuite {

    @Override
    protected Transport transport() {
        return new UringSpliceTransport();
    }
}
