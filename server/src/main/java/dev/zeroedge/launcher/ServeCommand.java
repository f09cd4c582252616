package dev.zeroedge.launcher;

import dev.zeroedge.cache.CacheConfig;
import dev.zeroedge.cache.EdgeCache;
import dev.zeroedge.cli.Flags;
import dev.zeroedge.cli.UsageException;
import dev.zeroedge.files.FileSystemPool;
import dev.zeroedge.files.OpenFileCache;
import dev.zeroedge.http.HttpLimits;
import dev.zeroedge.mode.Mode;
import dev.zeroedge.probe.MachineProbe;
import dev.zeroedge.probe.ModeSelector;
import dev.zeroedge.server.DescriptorBudget;
import dev.zeroedge.server.ServerConfig;
import dev.zeroedge.server.ZeroedgeServer;
import dev.zeroedge.http.FairFileSender;
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
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/** {@code serve}: parse, choose the mode, start, log one line, and shut down gracefully on SIGTERM/SIGINT. */
final class ServeCommand {

    private static final Logger log = LoggerFactory.getLogger("zeroedge");

    private static final Set<String> VALUED = Set.of("root", "port", "bind", "mode", "max-request-line",
            "max-header-size", "max-headers", "header-timeout", "idle-timeout", "send-timeout", "max-connections",
            "sendfile-max-chunk", "event-loops", "grace", "nic", "uring-min-kernel", "open-file-cache",
            "open-file-cache-valid", "open-file-cache-inactive", "inline-body-max", "send-buffer", "fs-threads",
            "fs-queue", "origin", "cache-dir", "cache-max-size", "origin-connect-timeout",
            "origin-first-byte-timeout", "origin-idle-timeout");
    /** {@link System#nanoTime} can be any long; this one stands for "no stop signal yet". */
    private static final long NO_SIGNAL_YET = Long.MIN_VALUE;
    private static final Set<String> BOOLEANS = Set.of("serve-dotfiles");

    private ServeCommand() {
    }

    static int run(String[] args, PrintStream out) throws UsageException {
        Flags flags = Flags.parse(args, 1, VALUED, BOOLEANS);
        int eventLoops = flags.integer("event-loops", 0, 0, 1024);
        int openFileCache = flags.integer("open-file-cache", OpenFileCache.DEFAULT_CAPACITY, 0, 1_000_000);
        CacheConfig cache = cacheConfig(flags);
        ServerConfig configured = config(flags, eventLoops, openFileCache, cache);
        String requested = flags.string("mode", "auto");
        ModeSelector selector = new ModeSelector(ProbeCommand.uringMinKernel(flags));
        Transports transports = Transports.load();
        ModeSelector.Choice choice = requested.equals("auto")
                ? selector.select(MachineProbe.ofThisMachine(transports)
                        .probe(configured.bind().getAddress(), flags.string("nic", null)))
                : new ModeSelector.Choice(modeNamed(requested), "asked for by name");
        Transport transport;
        try {
            transport = transports.require(choice.mode());
        } catch (ModeUnavailableException e) {
            throw new UsageException(e.getMessage());
        }
        // After the choice: what a busy connection holds depends on the mode auto picked.
        MaxConnections connections = maxConnections(flags, openFileCache, ServerConfig.eventLoopsFor(eventLoops),
                transport);
        ServerConfig config = configured.withLimits(configured.limits().withMaxConnections(connections.max()));
        ZeroedgeServer server;
        try {
            server = cache == null ? ZeroedgeServer.start(config, transport)
                    : ZeroedgeServer.start(config, transport, (c, opener, pool) -> EdgeCache.open(cache,
                            transport.socketChannelClass(), pool, c.serveDotfiles()));
        } catch (IOException e) {
            throw new UsageException(e.getMessage());
        }
        log.info("mode {} ({})", transport.mode(), choice.reason());
        if (connections.fits()) {
            log.info("max connections {} ({})", connections.max(), connections.reason());
        } else {
            log.warn("max connections {} ({})", connections.max(), connections.reason());
        }
        if (cache == null) {
            log.info("serving {} on http://{}:{}/", config.root().toAbsolutePath().normalize(),
                    config.bind().getHostString(), server.port());
        } else {
            log.info("serving the cache of http://{} ({}, at most {} bytes) on http://{}:{}/", cache.originAuthority(),
                    cache.directory().toAbsolutePath().normalize(), cache.maxSize(), config.bind().getHostString(),
                    server.port());
        }

        CountDownLatch stopped = new CountDownLatch(1);
        long graceMillis = config.gracePeriod().toMillis();
        Runnable stop = () -> {
            log.info("shutting down: no new connections, up to {} ms for responses in flight", graceMillis);
            server.shutdown(config.gracePeriod());
            log.info("stopped after {} responses, {} file bytes", server.counters().responses(),
                    server.counters().fileBytes());
            stopped.countDown();
        };
        // Handled signals, not a shutdown hook: the JVM then exits with our code (0), not 128+signal. The first
        // signal starts the one stop; a repeated one (systemd and orchestrators resend SIGTERM) is only noted,
        // so it can never shorten the grace period of the responses still in flight.
        AtomicLong firstSignalAt = new AtomicLong(NO_SIGNAL_YET);
        for (String name : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(name), signal -> {
                long now = System.nanoTime();
                if (firstSignalAt.compareAndSet(NO_SIGNAL_YET, now)) {
                    Thread.ofPlatform().name("zeroedge-shutdown").start(stop);
                } else {
                    long left = graceMillis - (now - firstSignalAt.get()) / 1_000_000;
                    log.info("SIG{} again: already shutting down, {} ms of the grace period left",
                            signal.getName(), Math.max(0, left));
                }
            });
        }
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Main.EXIT_OK;
    }

    /** {@code --mode NAME} other than {@code auto}; an unknown name fails with the known ones. */
    private static Mode modeNamed(String name) throws UsageException {
        try {
            return Mode.parse(name);
        } catch (IllegalArgumentException e) {
            throw new UsageException("mode " + name + " is unavailable: " + e.getMessage());
        }
    }

    /** The connection limit, why, and whether the open-file limit holds it. */
    record MaxConnections(int max, String reason, boolean fits) {
    }

    /**
     * {@code --max-connections} when given, else what the open-file limit holds with every connection busy in
     * {@code transport}'s mode ({@link DescriptorBudget}); either way the reason says which, and a limit that
     * cannot hold it is said too, with the figures (logged as a warning).
     */
    static MaxConnections maxConnections(Flags flags, int openFileCache, int eventLoops, Transport transport)
            throws UsageException {
        OptionalLong limit = DescriptorBudget.openFileLimitOfThisProcess();
        DescriptorBudget budget = limit.isPresent() ? new DescriptorBudget(limit.getAsLong(), openFileCache,
                eventLoops, transport.mode(), transport.descriptors()) : null;
        if (flags.has("max-connections")) {
            int asked = flags.integer("max-connections", 0, 1, 10_000_000);
            if (budget == null || budget.fits(asked)) {
                return new MaxConnections(asked, "--max-connections", true);
            }
            return new MaxConnections(asked, "--max-connections; " + budget.arithmetic() + " is "
                    + budget.connections() + ": busy, " + asked + " connections take up to "
                    + budget.descriptors(asked) + " descriptors with the cache and the spare, more than the limit;"
                    + " past it accepts stall and responses are refused with 503; raise the limit (ulimit -n,"
                    + " LimitNOFILE=) or lower --max-connections or --open-file-cache", false);
        }
        if (budget == null) {
            return new MaxConnections(HttpLimits.DEFAULTS.maxConnections(), "open-file limit unknown", true);
        }
        int max = budget.connections();
        if (budget.fits(max)) {
            return new MaxConnections(max, budget.arithmetic(), true);
        }
        return new MaxConnections(max, "a quarter of the open-file limit " + budget.openFileLimit()
                + " in " + budget.mode() + ": it cannot hold the open-file cache " + openFileCache + ", "
                + budget.spare() + " spare and busy connections (" + budget.perConnection() + " each: "
                + budget.holdings() + "); raise the limit (ulimit -n, LimitNOFILE=) or lower --open-file-cache",
                false);
    }

    /**
     * {@code --origin URL --cache-dir DIR} and the cache's other flags, or null without {@code --origin}; the cache
     * flags without it, or with {@code --root}, are a usage error.
     */
    static CacheConfig cacheConfig(Flags flags) throws UsageException {
        if (!flags.has("origin")) {
            for (String name : new String[] {"cache-dir", "cache-max-size", "origin-connect-timeout",
                    "origin-first-byte-timeout", "origin-idle-timeout"}) {
                if (flags.has(name)) {
                    throw new UsageException("--" + name + " needs --origin");
                }
            }
            return null;
        }
        if (flags.has("root")) {
            throw new UsageException("--origin and --root exclude each other: a server caches an origin or"
                    + " publishes a directory");
        }
        if (!flags.has("cache-dir")) {
            throw new UsageException("--origin needs --cache-dir DIR");
        }
        CacheConfig cache;
        try {
            cache = CacheConfig.of(flags.string("origin", null), Path.of(flags.string("cache-dir", null)));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--origin: " + e.getMessage());
        }
        return cache.withMaxSize(flags.size("cache-max-size", CacheConfig.DEFAULT_MAX_SIZE, 1, Long.MAX_VALUE))
                .withTimeouts(flags.duration("origin-connect-timeout", CacheConfig.DEFAULT_CONNECT_TIMEOUT),
                        flags.duration("origin-first-byte-timeout", CacheConfig.DEFAULT_FIRST_BYTE_TIMEOUT),
                        flags.duration("origin-idle-timeout", CacheConfig.DEFAULT_IDLE_TIMEOUT));
    }

    /**
     * The configuration; the connection limit is the default's until {@link #maxConnections} has its answer. An
     * edge cache ({@code cache} not null) has no document root: the cache directory stands in for it.
     */
    private static ServerConfig config(Flags flags, int eventLoops, int openFileCache, CacheConfig cache)
            throws UsageException {
        if (cache != null) {
            try {
                Files.createDirectories(cache.directory());
            } catch (IOException e) {
                throw new UsageException("--cache-dir " + cache.directory() + " cannot be created: " + e.getMessage());
            }
        } else if (!flags.has("root")) {
            throw new UsageException("--root DIR is required (or --origin URL with --cache-dir DIR)");
        }
        Path root = cache != null ? cache.directory() : Path.of(flags.string("root", null));
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
                flags.duration("send-timeout", d.sendTimeout()),
                d.maxConnections(),
                d.maxPipelined());
        Duration grace = flags.duration("grace", Duration.ofSeconds(10));
        return ServerConfig.of(root, address)
                .withServeDotfiles(flags.has("serve-dotfiles"))
                .withLimits(limits)
                .withMaxSlice(flags.size("sendfile-max-chunk", FairFileSender.DEFAULT_MAX_SLICE))
                .withInlineBodyMax((int) flags.size("inline-body-max", FairFileSender.DEFAULT_INLINE_BODY_MAX,
                        0, FairFileSender.LARGEST_INLINE_BODY_MAX))
                .withEventLoops(eventLoops)
                .withSendBuffer((int) flags.size("send-buffer", 0, 0, 64L * 1024 * 1024))
                .withGracePeriod(grace)
                .withOpenFileCache(openFileCache, flags.duration("open-file-cache-valid", OpenFileCache.DEFAULT_VALID))
                .withOpenFileCacheInactive(flags.duration("open-file-cache-inactive", OpenFileCache.DEFAULT_INACTIVE))
                .withFileSystemPool(flags.integer("fs-threads", FileSystemPool.DEFAULT_THREADS, 1, 1024),
                        flags.integer("fs-queue", FileSystemPool.DEFAULT_QUEUE, 1, 1_000_000));
    }
}
