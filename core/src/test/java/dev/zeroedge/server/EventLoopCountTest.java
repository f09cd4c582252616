package dev.zeroedge.server;

import dev.zeroedge.transport.nio.NioSendfileTransport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The event loops a server runs: one per processor the JVM may use unless told otherwise. */
class EventLoopCountTest {

    @TempDir
    Path root;

    @Test
    void onePerAvailableProcessorByDefault() throws Exception {
        assertEquals(Runtime.getRuntime().availableProcessors(), loopsWith(0));
    }

    @Test
    void asManyAsAskedFor() throws Exception {
        assertEquals(3, loopsWith(3));
    }

    private int loopsWith(int eventLoops) throws Exception {
        ZeroedgeServer server = ZeroedgeServer.start(ServerConfig.of(root, new InetSocketAddress("127.0.0.1", 0))
                .withEventLoops(eventLoops), new NioSendfileTransport());
        try {
            return server.eventLoops();
        } finally {
            server.shutdown(Duration.ofSeconds(1));
        }
    }
}
