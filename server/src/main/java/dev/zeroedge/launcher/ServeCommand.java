package dev.zeroedge.launcher;

import dev.zeroedge.cache.CacheConfig;
import dev.zeroedge.cache.OriginRoute;
import dev.zeroedge.cache.Routing;
import dev.zeroedge.cache.CacheCounters;
import dev.zeroedge.cache.EdgeCache;
import dev.zeroedge.cli.Flags;
import dev.zeroedge.cli.UsageException;
import dev.zeroedge.http.HttpLimits;
import dev.zeroedge.metrics.Reloads;
import dev.zeroedge.probe.MachineFacts;
import dev.zeroedge.probe.MachineProbe;
import dev.zeroedge.probe.ModeSelector;
import dev.zeroedge.server.DescriptorBudget;
import dev.zeroedge.server.ServerConfig;
import dev.zeroedge.server.ZeroedgeServer;
import dev.zeroedge.transport.ModeUnavailableException;
import dev.zeroedge.transport.Transport;
import dev.zeroedge.transport.Transports;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code serve}: read the flags over the {@code --config} file, choose the mode, start, log what it chose,
 * reload the file on SIGHUP ({@link ConfigReload}), and shut down gracefully on SIGTERM/SIGINT.
 */
final class ServeCommand {

    private static final Logger log = LoggerFactory.getLogger("zeroedge");

    /** {@link System#nanoTime} can be any long; this one stands for "no stop signal yet". */
    private static final long NO_SIGNAL_YET = Long.MIN_VALUE;

    private ServeCommand() {
    }

    static int run(String[] args, PrintStream out) throws UsageException {
        Flags commandLine = Flags.parse(args, 1, ServeFlags.VALUED, ServeFlags.SWITCHES);
        ServeSettings settings = ServeSettings.read(commandLine);
        ServerConfig configured = settings.config();
        Flags flags = settings.flags();
        int openFileCache = configured.openFileCache();
        int eventLoops = configured.eventLoops();
        Transports transports = Transports.load();
        ModeSelector.Choice choice = settings.choose(transports);
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
        Observability observing = Observability.of(flags, transport.mode());
        ZeroedgeServer server;
        AtomicReference<EdgeCache> edgeCache = new AtomicReference<>();
        try {
            CacheConfig cache = settings.cache();
            CacheCounters cacheCounters = new CacheCounters();
            server = cache == null
                    ? ZeroedgeServer.start(config, transport, ZeroedgeServer::documentRoot, observing.observer())
                    : ZeroedgeServer.start(config, transport, (c, opener, pool) -> {
                        EdgeCache opened = EdgeCache.open(cache, settings.routing(), transport, pool, c,
                                cacheCounters);
                        opened.scrub(settings.scrub());
                        edgeCache.set(opened);
                        return opened;
                    }, observing.observer(cacheCounters));
        } catch (IOException e) {
            observing.close();
            throw new UsageException(e.getMessage());
        }
        String nic = flags.string("nic", null);
        ModeSelector selector = new ModeSelector(ProbeCommand.uringMinKernel(flags));
        try {
            observing.serving(server, choice.reason(), () -> {
                MachineFacts facts = MachineProbe.ofThisMachine(transports).probe(config.bind().getAddress(), nic);
                return ProbeCommand.json(facts, selector.select(facts));
            });
        } catch (UsageException e) {
            server.shutdown(Duration.ZERO);
            observing.close();
            throw e;
        }
        // Before the "serving" line, which tells scripts and tests that a SIGHUP is now a reload (the JVM's
        // own answer to it is to exit). One reload at a time, off the signal's thread.
        Map<ServeFlags.Change, Reloadable> parts = new LinkedHashMap<>();
        parts.put(ServeFlags.Change.LIVE_CACHE, cacheSizes(edgeCache.get()));
        parts.put(ServeFlags.Change.LIVE_ACCESS_LOG, observing.accessLogReload()); // last: the one that opens a file
        ConfigReload reload = new ConfigReload(commandLine, settings, config, transport, server, parts);
        ExecutorService reloads = Executors.newSingleThreadExecutor(Thread.ofPlatform().name("zeroedge-reload")
                .daemon(true).factory());
        Signal.handle(new Signal("HUP"), signal -> reloads.execute(() -> reloaded(reload.run(), observing)));
        log.info("mode {} ({})", transport.mode(), choice.reason());
        if (connections.fits()) {
            log.info("max connections {} ({})", connections.max(), connections.reason());
        } else {
            log.warn("max connections {} ({})", connections.max(), connections.reason());
        }
        CacheConfig cache = settings.cache();
        if (cache == null) {
            log.info("serving {} on http://{}:{}/", config.root().toAbsolutePath().normalize(),
                    config.bind().getHostString(), server.port());
        } else {
            log.info("serving the cache of http://{} ({}, at most {} bytes, {} left free) on http://{}:{}/",
                    cache.originAuthority(), cache.directories(), cache.maxSize(),
                    cache.minFree(), config.bind().getHostString(), server.port());
            Routing routing = settings.routing();
            routing.origins().byHost().forEach((host, route) -> log.info("origin of Host {}: {}", host, route.url()));
            if (!routing.parents().isEmpty()) {
                log.info("parents (rendezvous by key): {}; CDN-Loop id {}", String.join(", ",
                        routing.parents().stream().map(OriginRoute::url).toList()), routing.loop().id());
            }
        }
        observing.logWhat();

        CountDownLatch stopped = new CountDownLatch(1);
        Runnable stop = () -> {
            // The grace period in force now: a reload may have changed it.
            Duration grace = server.config().gracePeriod();
            log.info("shutting down: no new connections, up to {} ms for responses in flight", grace.toMillis());
            server.shutdown(grace);
            observing.close();
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
                    long left = server.config().gracePeriod().toMillis() - (now - firstSignalAt.get()) / 1_000_000;
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

    /**
     * What a SIGHUP did, logged and counted: each change applied, each one left for a restart, or why nothing
     * changed. The one place a reload's outcome is seen.
     */
    private static void reloaded(ConfigReload.Outcome outcome, Observability observing) {
        outcome.logTo(log);
        Reloads counted = observing.reloads();
        if (counted != null) {
            if (outcome.failed()) {
                counted.failed();
            } else {
                counted.applied();
            }
        }
    }

    /** The edge cache's maximum size and minimum free space as a reload changes them; none without a cache. */
    static Reloadable cacheSizes(EdgeCache cache) {
        if (cache == null) {
            return Reloadable.ABSENT;
        }
        return Reloadable.of(next -> {
            CacheConfig sizes = next.cache();
            return () -> cache.resize(sizes.maxSize(), sizes.minFree());
        });
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
                return new MaxConnections(asked, flags.where("max-connections"), true);
            }
            return new MaxConnections(asked, flags.where("max-connections") + "; " + budget.arithmetic() + " is "
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
}
