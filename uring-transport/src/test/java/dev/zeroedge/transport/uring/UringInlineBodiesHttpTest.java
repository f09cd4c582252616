package dev.zeroedge.transport.uring;

import dev.zeroedge.http.HttpBehaviourSuite;
import dev.zeroedge.server.ServerConfig;
import dev.zeroedge.http.FairFileSender;
import dev.zeroedge.transport.Transport;

/**
 * The HTTP behaviour suite in the primary mode with every body up to 256 KiB (all of the suite's but the
 * sparse 64 MiB and 5 GiB files) read into the head's buffer and written with it: ranges, multipart
 * parts, pipelining and aborts through the inline path, on Netty's io_uring writes.
 */
class UringInlineBodiesHttpTest extends HttpBehaviourSuite {

    @Override
    protected Transport transport() {
        return new UringSpliceTransport();
    }

    @Override
    protected ServerConfig config() {
        return super.config().withInlineBodyMax(FairFileSender.LARGEST_INLINE_BODY_MAX);
    }
}
