package dev.zeroedge.launcher;

import dev.zeroedge.files.OpenFileCache;
import dev.zeroedge.http.HttpLimits;
import dev.zeroedge.probe.MachineProbe;
import dev.zeroedge.probe.ModeSelector;
import dev.zeroedge.server.ServerConfig;
import dev.zeroedge.server.ZeroedgeServer;
import dev.zeroedge.transport.FairFileSender;
import dev.zeroedge.transport.ModeUnavailableException;
import dev.zeroedge.transport.Transport;
import dev.zeroedge.transport.Transports;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/** {@code serve}: parse, choose the mode, start, log one line, and shut down gracefully on SIGTERM/SIGINT. */
final class ServeCommand {

    private static final Logger log = LoggerFactory.getLogger("zeroedge");

    private static final Set<String> VALUED = Set.of("root", "port", "bind", "mode", "max-request-line",
            "max-header-size", "max-headers", "header-timeout", "idle-timeout", "max-connections",
            "sendfile-max-chunk", "event-loops", "grace", "nic", "uring-min-kernel", "open-file-cache",
            "open-file-cache-valid", "inline-body-max");
    private static final Set<String> BOOLEANS = Set.of("serve-dotfiles");

    private ServeCommand() {
    }

    static int run(String[] args, PrintStream out) throws UsageException {
        Flags flags = Flags.parse(args, 1, VALUED, BOOLEANS);
        ServerConfig config = config(flags);
        String requested = flags.string("mode", "auto");
        ModeSelector selector = new ModeSelector(ProbeCommand.uringMinKernel(flags));
        Transports transports = Transports.load();
        ModeSelector.Choice choice = requested.equals("auto")
                ? selector.select(MachineProbe.ofThisMachine(transports)
                        .probe(config.bind().getAddress(), flags.string("nic", null)))
                : new ModeSelector.Choice(requested, "asked for by name");
        Transport transport;
        try {
            transport = transports.require(choice.mode());
        } catch (ModeUnavailableException e) {
            throw new UsageException(e.getMessage());
        }
        ZeroedgeServer server;
        try {
            server = ZeroedgeServer.start(config, transport);
        } catch (IOException e) {
            throw new UsageException(e.getMessage());
        }
        log.info("mode {} ({})", transport.mode(), choice.reason());
        log.info("serving {} on http://{}:{}/", config.root().toAbsolutePath().normalize(),
                config.bind().getHostString(), server.port());

        CountDownLatch stopped = new CountDownLatch(1);
        Runnable stop = () -> {
            log.info("shutting down: no new connections, up to {} ms for responses in flight",
                    config.gracePeriod().toMillis());
            server.shutdown(config.gracePeriod());
            log.info("stopped after {} responses, {} file bytes", server.counters().responses(),
                    server.counters().fileBytes());
            stopped.countDown();
        };
        // Handled signals, not a shutdown hook: the JVM then exits with our code (0), not 128+signal.
        for (String name : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(name), signal -> Thread.ofPlatform().name("zeroedge-shutdown").start(stop));
        }
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Main.EXIT_OK;
    }

    private static ServerConfig config(Flags flags) throws UsageException {
        if (!flags.has("root")) {
            throw new UsageException("--root DIR is required");
        }
        Path root = Path.of(flags.string("root", null));
        if (!Files.isDirectory(root)) {
            throw new UsageException("--root " + root + " is not a directory");
        }
        if (!Files.isReadable(root)) {
            throw new UsageException("--root " + root + " is not readable");
        }
        int port = flags.integer("port", 8080, 0, 65535);
        String bind = flags.string("bind", "0.0.0.0");
        InetSocketAddress address = new InetSocketAddress(bind, port);
        if (address.isUnresolved()) {
            throw new UsageException("--bind " + bind + " is not an address of this machine");
        }
        HttpLimits d = HttpLimits.DEFAULTS;
        HttpLimits limits = new HttpLimits(
                (int) Math.min(Integer.MAX_VALUE, flags.size("max-request-line", d.maxRequestLine())),
                (int) Math.min(Integer.MAX_VALUE, flags.size("max-header-size", d.maxHeaderSection())),
                flags.integer("max-headers", d.maxHeaders(), 1, 10_000),
                flags.duration("header-timeout", d.headerTimeout()),
                flags.duration("idle-timeout", d.idleTimeout()),
                flags.integer("max-connections", d.maxConnections(), 1, 10_000_000),
                d.maxPipelined());
        Duration grace = flags.duration("grace", Duration.ofSeconds(10));
        return ServerConfig.of(root, address)
                .withServeDotfiles(flags.has("serve-dotfiles"))
                .withLimits(limits)
                .withMaxSlice(flags.size("sendfile-max-chunk", FairFileSender.DEFAULT_MAX_SLICE))
                .withInlineBodyMax((int) flags.size("inline-body-max", FairFileSender.DEFAULT_INLINE_BODY_MAX,
                        0, FairFileSender.LARGEST_INLINE_BODY_MAX))
                .withEventLoops(flags.integer("event-loops", 0, 0, 1024))
                .withGracePeriod(grace)
                .withOpenFileCache(flags.integer("open-file-cache", OpenFileCache.DEFAULT_CAPACITY, 0, 1_000_000),
                        flags.duration("open-file-cache-valid", OpenFileCache.DEFAULT_VALID));
    }
}
