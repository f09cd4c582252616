package dev.zeroedge.transport.epoll;

import dev.zeroedge.mode.Mode;
import dev.zeroedge.server.ServerConfig;
import dev.zeroedge.server.ZeroedgeServer;
import dev.zeroedge.transport.Transport;
import dev.zeroedge.transport.Transports;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The three modes of this module, forced by name the way the launcher forces them: found through
 * ServiceLoader and required to run. On Linux an unavailable epoll fails the test with its cause; it
 * never turns into a skip.
 */
final class EpollModes {

    static final List<Mode> ALL = List.of(Mode.EPOLL_SENDFILE, Mode.EPOLL_MMAP, Mode.EPOLL_COPY);

    private EpollModes() {
    }

    /** @param mode a user-facing name, as the tests' value sources spell them */
    static Transport require(String mode) {
        return require(Mode.parse(mode));
    }

    static Transport require(Mode mode) {
        return Transports.load().require(mode);
    }

    /**
     * A server of {@code mode} on 127.0.0.1, an ephemeral port, one event loop, and no open-file cache:
     * a descriptor of a served file still open after its response can only be a sender's leak. Inline
     * bodies are off: every body, however small, goes through the sender under test.
     */
    static ZeroedgeServer start(String mode, Path root, UnaryOperator<ServerConfig> tweak) throws IOException {
        return start(require(mode), root, tweak);
    }

    static ZeroedgeServer start(Transport transport, Path root, UnaryOperator<ServerConfig> tweak) throws IOException {
        ServerConfig config = ServerConfig.of(root, new InetSocketAddress("127.0.0.1", 0)).withEventLoops(1)
                .withOpenFileCache(0, Duration.ofSeconds(1)).withInlineBodyMax(0);
        return ZeroedgeServer.start(tweak.apply(config), transport);
    }
}
