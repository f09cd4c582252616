package dev.zeroedge.launcher;

import dev.zeroedge.cache.CacheConfig;
import dev.zeroedge.cache.CdnLoop;
import dev.zeroedge.cache.OriginRoute;
import dev.zeroedge.cache.Origins;
import dev.zeroedge.cache.PurgeAllow;
import dev.zeroedge.cache.Routing;
import dev.zeroedge.cache.Scrubbing;

import dev.zeroedge.cli.Flags;
import dev.zeroedge.cli.UsageException;
import dev.zeroedge.files.FileSystemPool;
import dev.zeroedge.files.OpenFileCache;
import dev.zeroedge.http.FairFileSender;
import dev.zeroedge.http.HttpLimits;
import dev.zeroedge.mode.Mode;
import dev.zeroedge.probe.MachineProbe;
import dev.zeroedge.probe.ModeSelector;
import dev.zeroedge.server.ServerConfig;
import dev.zeroedge.transport.Transports;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What {@code serve} runs with: its command line over its {@code --config} file (a flag wins over the file's
 * key), every value checked, as a {@link ServerConfig}. Read the same way at startup, by {@code check-config}
 * and by a reload, so the three can never disagree about a file. Every problem is reported, not only the
 * first, each naming its flag or its file, line and key.
 *
 * @param flags  the command line over the file: what each flag's value is and where it came from
 * @param config the server's configuration; its connection limit is {@code --max-connections} or the
 *               default's until {@link ServeCommand#maxConnections} has the answer for the mode
 * @param cache  the edge cache's ({@code --origin}, {@code --cache-dir}, ...), or null for a document root
 * @param scrub  the edge cache's scrubber ({@code --scrub-rate}, {@code --scrub-interval}), or null without a cache
 * @param routing where the cache's misses go: origins by Host (the file's {@code origins:}), {@code --parents},
 *               {@code --cdn-id}; null without a cache
 */
record ServeSettings(Flags flags, ServerConfig config, CacheConfig cache, Scrubbing scrub, Routing routing) {

    /** {@code --config}'s file, if the command line names one. */
    static Path configFile(Flags commandLine) {
        return commandLine.has("config") ? Path.of(commandLine.string("config", null)) : null;
    }

    /** The command line's settings over its file's, checked; every problem, one per line, when any. */
    static ServeSettings read(Flags commandLine) throws UsageException {
        Path file = configFile(commandLine);
        ConfigFile read = file == null ? null : ConfigFile.read(file);
        Flags flags = commandLine.over(read == null ? List.of() : read.settings()).collectProblems();
        if (read != null) {
            for (String problem : read.problems()) {
                flags.problem(problem);
            }
            if (read.unreadable()) {
                flags.throwProblems();
            }
        }
        CacheConfig cache = cacheConfig(flags);
        Scrubbing scrub = cache == null ? null : scrubbing(flags);
        List<OriginsSection.Entry> origins = read == null ? List.of() : read.origins();
        if (cache == null && !origins.isEmpty()) {
            flags.problem(origins.getFirst().at() + "origins needs origin: (the default origin) and cache-dir");
        }
        Routing routing = cache == null ? null : routing(flags, cache, origins);
        ServerConfig config = config(flags, file, cache);
        if (!flags.problems().isEmpty()) {
            throw new UsageException(String.join("\n", inFileOrder(flags.problems(), file)));
        }
        return new ServeSettings(flags, config, cache, scrub, routing);
    }

    /**
     * The problems with the file's first, by line (as an operator reads the file), then the command line's;
     * the checks find them in the order of {@link #config}, not of the file.
     */
    private static List<String> inFileOrder(List<String> problems, Path file) {
        if (file == null) {
            return problems;
        }
        String prefix = file + ":";
        return problems.stream().sorted(Comparator.comparingLong(p -> p.startsWith(prefix) ? lineOf(p, prefix)
                : Long.MAX_VALUE)).toList();
    }

    private static long lineOf(String problem, String prefix) {
        int end = problem.indexOf(':', prefix.length());
        try {
            return end < 0 ? 0 : Long.parseLong(problem.substring(prefix.length(), end));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** The mode asked for ({@code auto} picks it with the probe, which logs nothing), and why. */
    ModeSelector.Choice choose(Transports transports) throws UsageException {
        String requested = flags.string("mode", "auto");
        if (requested.equals("auto")) {
            ModeSelector selector = new ModeSelector(ProbeCommand.uringMinKernel(flags));
            return selector.select(MachineProbe.ofThisMachine(transports)
                    .probe(config.bind().getAddress(), flags.string("nic", null)));
        }
        return new ModeSelector.Choice(Mode.parse(requested), "asked for by name");
    }

    private static ServerConfig config(Flags flags, Path file, CacheConfig cache) throws UsageException {
        int eventLoops = flags.integer("event-loops", 0, 0, 1024);
        int openFileCache = flags.integer("open-file-cache", OpenFileCache.DEFAULT_CAPACITY, 0, 1_000_000);
        Path root = cache != null ? cacheDirectory(cache) : root(flags, file);
        int port = flags.integer("port", 8080, 0, 65535);
        String bind = flags.string("bind", "0.0.0.0");
        InetSocketAddress address = new InetSocketAddress(bind, port);
        if (address.isUnresolved()) {
            flags.problem(flags.where("bind") + " " + bind + " is not an address of this machine");
            address = new InetSocketAddress("0.0.0.0", port);
        }
        String mode = flags.string("mode", "auto");
        if (!mode.equals("auto")) {
            try {
                Mode.parse(mode);
            } catch (IllegalArgumentException e) {
                flags.problem(flags.where("mode") + " " + mode + " is unavailable: " + e.getMessage());
            }
        }
        ProbeCommand.uringMinKernel(flags);
        HttpLimits d = HttpLimits.DEFAULTS;
        HttpLimits limits = new HttpLimits(
                (int) Math.min(Integer.MAX_VALUE, flags.size("max-request-line", d.maxRequestLine())),
                (int) Math.min(Integer.MAX_VALUE, flags.size("max-header-size", d.maxHeaderSection())),
                flags.integer("max-headers", d.maxHeaders(), 1, 10_000),
                flags.duration("header-timeout", d.headerTimeout()),
                flags.duration("idle-timeout", d.idleTimeout()),
                flags.duration("send-timeout", d.sendTimeout()),
                flags.integer("max-connections", d.maxConnections(), 1, 10_000_000),
                d.maxPipelined(),
                flags.size("max-request-body", d.maxRequestBody()));
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

    /**
     * {@code --origin URL --cache-dir DIR} and the cache's other flags, or null without {@code --origin}; the cache
     * flags without it, or with {@code --root}, are a usage error.
     */
    static CacheConfig cacheConfig(Flags flags) throws UsageException {
        if (!flags.has("origin")) {
            for (String name : new String[] {"cache-dir", "cache-max-size", "cache-slice", "cache-min-free",
                    "scrub-rate", "scrub-interval", "cache-stale-max", "origin-connect-timeout",
                    "origin-first-byte-timeout", "origin-idle-timeout", "parents", "parent-probe-interval", "cdn-id",
                    "cache-max-variants",
                    "purge-allow"}) {
                if (flags.has(name)) {
                    throw new UsageException(flags.where(name) + " needs --origin");
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
        List<Path> directories = directories(flags.string("cache-dir", null));
        if (directories == null) {
            throw new UsageException(flags.where("cache-dir") + " names a directory twice or an empty one: "
                    + flags.string("cache-dir", null));
        }
        try {
            cache = CacheConfig.of(flags.string("origin", null), directories.getFirst()).withDirectories(directories);
        } catch (IllegalArgumentException e) {
            throw new UsageException(flags.where("origin") + ": " + e.getMessage());
        }
        // "off" or 0: no slices (every object fetched and stored whole).
        long slice = "off".equals(flags.string("cache-slice", null)) ? 0
                : flags.size("cache-slice", CacheConfig.DEFAULT_SLICE_SIZE, 0, Long.MAX_VALUE);
        PurgeAllow purgeAllow;
        try {
            purgeAllow = PurgeAllow.parse(flags.string("purge-allow", PurgeAllow.DEFAULT));
        } catch (IllegalArgumentException e) {
            throw new UsageException(flags.where("purge-allow") + ": " + e.getMessage());
        }
        return cache.withMaxSize(flags.size("cache-max-size", CacheConfig.DEFAULT_MAX_SIZE, 1, Long.MAX_VALUE))
                .withMaxVariants(flags.integer("cache-max-variants", CacheConfig.DEFAULT_MAX_VARIANTS, 1, 1024))
                .withPurgeAllow(purgeAllow)
                .withSliceSize(slice)
                .withMinFree(minFree(flags))
                // 0s: never served stale, whatever the origin's stale-while-revalidate or stale-if-error say.
                .withStaleMax(flags.durationOrZero("cache-stale-max", CacheConfig.DEFAULT_STALE_MAX))
                .withTimeouts(flags.duration("origin-connect-timeout", CacheConfig.DEFAULT_CONNECT_TIMEOUT),
                        flags.duration("origin-first-byte-timeout", CacheConfig.DEFAULT_FIRST_BYTE_TIMEOUT),
                        flags.duration("origin-idle-timeout", CacheConfig.DEFAULT_IDLE_TIMEOUT));
    }

    /**
     * The default origin ({@code --origin} with its timeouts), the file's {@code origins:} over it (an entry's
     * timeouts default to the default origin's), {@code --parents URL,URL,...} (with the default origin's
     * timeouts) and {@code --cdn-id} (default: this machine's name and the port, {@link CdnLoop#ofThisMachine}).
     */
    private static Routing routing(Flags flags, CacheConfig cache, List<OriginsSection.Entry> entries)
            throws UsageException {
        OriginRoute fallback = OriginRoute.of(cache);
        Map<String, OriginRoute> byHost = new LinkedHashMap<>();
        Map<String, String> shareAt = new LinkedHashMap<>(); // a Host to where its max-size is
        for (OriginsSection.Entry entry : entries) {
            Flags fields = Flags.parse(new String[0], 0, Set.of(), Set.of()).over(entry.settings()).collectProblems();
            OriginRoute route;
            try {
                route = OriginRoute.of(fields.string("url", null));
            } catch (IllegalArgumentException e) {
                flags.problem(fields.where("url") + " " + e.getMessage());
                continue;
            }
            route = route.withTimeouts(fields.duration("connect-timeout", fallback.connectTimeout()),
                    fields.duration("first-byte-timeout", fallback.firstByteTimeout()),
                    fields.duration("idle-timeout", fallback.idleTimeout()))
                    .withMaxObjectSize(fields.size("max-object-size", Long.MAX_VALUE, 0, Long.MAX_VALUE));
            if (fields.has("max-size")) {
                route = route.withMaxSize(fields.size("max-size", OriginRoute.NO_SHARE, 1024, Long.MAX_VALUE - 1));
                if (route.hasShare()) {
                    shareAt.put(entry.host(), fields.where("max-size"));
                }
            }
            for (String problem : fields.problems()) {
                flags.problem(problem);
            }
            byHost.put(entry.host(), route);
        }
        checkShares(flags, cache, byHost, shareAt);
        List<OriginRoute> parents = new ArrayList<>();
        String listed = flags.string("parents", null);
        if (listed != null) {
            for (String url : listed.split(",")) {
                if (url.isBlank()) {
                    continue;
                }
                try {
                    parents.add(OriginRoute.of(url.trim()).withTimeouts(fallback.connectTimeout(),
                            fallback.firstByteTimeout(), fallback.idleTimeout()));
                } catch (IllegalArgumentException e) {
                    flags.problem(flags.where("parents") + " " + e.getMessage());
                }
            }
        }
        CdnLoop loop;
        String id = flags.string("cdn-id", null);
        if (id == null) {
            loop = CdnLoop.ofThisMachine(flags.integer("port", 8080, 0, 65535));
        } else {
            try {
                loop = new CdnLoop(id);
            } catch (IllegalArgumentException e) {
                flags.problem(flags.where("cdn-id") + " " + e.getMessage());
                loop = CdnLoop.ofThisMachine(0);
            }
        }
        return new Routing(new Origins(fallback, byHost), parents, loop,
                flags.duration("parent-probe-interval", Routing.DEFAULT_PROBE_EVERY));
    }

    /**
     * The shares ({@code max-size}) are of origins, so the Hosts that name one origin URL give it one share: the
     * same {@code max-size} or none (then they share the one given); and all of them together fit in
     * {@code --cache-max-size}, with the rest for the origins without one (nothing left is allowed: then only the
     * origins with shares are stored). Each problem is named at the {@code max-size} line that makes it.
     */
    private static void checkShares(Flags flags, CacheConfig cache,
                                    Map<String, OriginRoute> byHost, Map<String, String> shareAt)
            throws UsageException {
        Map<String, Long> shareOf = new LinkedHashMap<>();
        Map<String, String> firstHost = new LinkedHashMap<>();
        for (Map.Entry<String, OriginRoute> entry : byHost.entrySet()) {
            OriginRoute route = entry.getValue();
            if (!route.hasShare()) {
                continue;
            }
            Long before = shareOf.putIfAbsent(route.url(), route.maxSize());
            firstHost.putIfAbsent(route.url(), entry.getKey());
            if (before != null && before != route.maxSize()) {
                flags.problem(shareAt.get(entry.getKey()) + ": " + route.url() + " has max-size " + before
                        + " bytes already (" + firstHost.get(route.url()) + "), not " + route.maxSize()
                        + ": the Hosts of one origin share one max-size");
            }
        }
        long total = 0;
        for (long share : shareOf.values()) {
            total = total + share < 0 ? Long.MAX_VALUE : total + share;
        }
        if (total > cache.maxSize()) {
            String last = null;
            for (String at : shareAt.values()) {
                last = at;
            }
            flags.problem(last + ": the origins' max-size add up to " + total + " bytes, more than cache-max-size ("
                    + cache.maxSize() + " bytes)");
        }
    }

    /** {@code --scrub-rate BYTES|0} (bytes a second; 0 or {@code off}: no scrubber) and {@code --scrub-interval}. */
    private static Scrubbing scrubbing(Flags flags) throws UsageException {
        long rate = "off".equals(flags.string("scrub-rate", null)) ? 0
                : flags.size("scrub-rate", Scrubbing.DEFAULT_RATE, 0, Long.MAX_VALUE);
        return new Scrubbing(rate, flags.duration("scrub-interval", Scrubbing.DEFAULT_INTERVAL));
    }

    /** {@code --cache-min-free}: a percentage of the file system ({@code 5%}, {@code 2.5%}) or a size ({@code 2g}). */
    private static CacheConfig.MinFree minFree(Flags flags) throws UsageException {
        String value = flags.string("cache-min-free", null);
        if (value == null) {
            return CacheConfig.DEFAULT_MIN_FREE;
        }
        if (value.endsWith("%")) {
            CacheConfig.MinFree percent = CacheConfig.MinFree.parsePercent(value);
            if (percent == null) {
                flags.problem(flags.where("cache-min-free") + " must be a percentage within 0..100 (e.g. 5%): "
                        + value);
                return CacheConfig.DEFAULT_MIN_FREE;
            }
            return percent;
        }
        return CacheConfig.MinFree.bytes(flags.size("cache-min-free", 0, 0, Long.MAX_VALUE));
    }

    /**
     * {@code --cache-dir A,B,C}: one or more directories, a comma list (a flag is given once; a config file's value
     * is one string); null when one is empty or named twice.
     */
    static List<Path> directories(String list) {
        List<Path> directories = new ArrayList<>();
        for (String one : list.split(",", -1)) {
            Path path = Path.of(one.trim()).toAbsolutePath().normalize();
            if (one.isBlank() || directories.contains(path)) {
                return null;
            }
            directories.add(path);
        }
        return directories;
    }

    /**
     * An edge cache has no document root: its first directory (each created if missing) stands in for it. A
     * directory that cannot be created is left to the cache, which starts without it when another one works.
     */
    private static Path cacheDirectory(CacheConfig cache) throws UsageException {
        UsageException first = null;
        int made = 0;
        for (Path directory : cache.directories()) {
            try {
                Files.createDirectories(directory);
                made++;
            } catch (IOException e) {
                first = first != null ? first
                        : new UsageException("--cache-dir " + directory + " cannot be created: " + e.getMessage());
            }
        }
        if (made == 0 || first != null && cache.directories().size() == 1) {
            throw first;
        }
        return cache.directory();
    }

    /** {@code root}: a readable directory; relative to the working directory, from the file as from the flag. */
    private static Path root(Flags flags, Path file) throws UsageException {
        if (!flags.has("root")) {
            flags.problem(file == null ? "--root DIR is required" : "--root DIR is required (or root: in " + file + ")");
            return Path.of(".");
        }
        Path root = Path.of(flags.string("root", null));
        if (!Files.isDirectory(root)) {
            flags.problem(flags.where("root") + " " + root + " is not a directory");
        } else if (!Files.isReadable(root)) {
            flags.problem(flags.where("root") + " " + root + " is not readable");
        }
        return root;
    }
}
