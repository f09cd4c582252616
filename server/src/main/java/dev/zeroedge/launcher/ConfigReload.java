package dev.zeroedge.launcher;

import dev.zeroedge.cache.Origins;
import dev.zeroedge.cli.Flags;
import dev.zeroedge.cli.UsageException;
import dev.zeroedge.server.ServerConfig;
import dev.zeroedge.server.ZeroedgeServer;
import dev.zeroedge.transport.Transport;
import org.slf4j.Logger;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * SIGHUP, as nginx and Varnish operators expect it: the {@code --config} file is read again under the
 * command line the server started with (a flag still wins over the file) and checked exactly as at startup
 * ({@link ServeSettings}). A file with any problem changes nothing. Otherwise every {@link ServeFlags.Change#LIVE}
 * value goes into the running server ({@link ZeroedgeServer#reconfigure}: new connections get it, nothing in
 * flight is touched), and every changed {@link ServeFlags.Change#RESTART} value is reported and left as the
 * server started. The access log's flags and the cache's sizes are live when the server has that part
 * ({@link Reloadable}).
 *
 * <p>Run by one thread at a time (the serve command's reload thread).
 */
final class ConfigReload {

    /**
     * What one reload did. {@code applied}: live changes, as {@code header-timeout 10s -> 2s};
     * {@code needsRestart}: changed values the server keeps until a restart, as {@code port 8081 (still 8080)};
     * {@code problems}: why the file was refused, one line each, when it was (then nothing changed).
     */
    record Outcome(Path file, List<String> applied, List<String> needsRestart, List<String> problems) {

        /** The file was refused: nothing changed. */
        boolean failed() {
            return !problems.isEmpty();
        }

        void logTo(Logger log) {
            if (failed()) {
                for (String problem : problems) {
                    log.error("reload failed, nothing changed: {}", problem);
                }
                return;
            }
            if (applied.isEmpty() && needsRestart.isEmpty()) {
                log.info("reload: {} read, nothing changed", file);
            }
            if (!applied.isEmpty()) {
                log.info("reload: {} applied to new connections", String.join(", ", applied));
            }
            for (String restart : needsRestart) {
                log.warn("reload: {} needs a restart", restart);
            }
        }
    }

    private static final String DEFAULT = "(default)";

    private final Flags commandLine;
    private final Path file;
    /** What the server was started with: the values a RESTART flag keeps until the process restarts. */
    private final Flags started;
    /** The origins by Host the cache started with (null without a cache): changed ones need a restart. */
    private final Origins startedOrigins;
    private final ServerConfig startedConfig;
    private final Transport transport;
    private final ZeroedgeServer server;
    /** The parts a reload changes beside the server's settings, in the order they are made ready. */
    private final Map<ServeFlags.Change, Reloadable> parts;
    /** What the last reload applied (or the start): what a LIVE flag's new value is compared with. */
    private Flags current;

    ConfigReload(Flags commandLine, ServeSettings settings, ServerConfig startedConfig, Transport transport,
                 ZeroedgeServer server, Map<ServeFlags.Change, Reloadable> parts) {
        this.commandLine = commandLine;
        this.file = ServeSettings.configFile(commandLine);
        this.started = settings.flags();
        this.current = settings.flags();
        this.startedOrigins = settings.routing() == null ? null : settings.routing().origins();
        this.startedConfig = startedConfig;
        this.transport = transport;
        this.server = server;
        this.parts = parts;
    }

    Outcome run() {
        if (file == null) {
            return new Outcome(null, List.of(), List.of(),
                    List.of("serve was started without --config: there is no file to read again"));
        }
        ServeSettings next;
        try {
            next = ServeSettings.read(commandLine);
        } catch (UsageException e) {
            return new Outcome(file, List.of(), List.of(), e.getMessage().lines().toList());
        }
        List<String> problems = new ArrayList<>();
        Flags flags = next.flags().collectProblems();
        // The mode is the one running; the open-file cache and the loops are as they started (both RESTART).
        ServeCommand.MaxConnections connections;
        try {
            connections = ServeCommand.maxConnections(flags, startedConfig.openFileCache(),
                    ServerConfig.eventLoopsFor(startedConfig.eventLoops()), transport);
        } catch (UsageException e) {
            return new Outcome(file, List.of(), List.of(), e.getMessage().lines().toList());
        }
        problems.addAll(flags.problems());
        if (!problems.isEmpty()) {
            return new Outcome(file, List.of(), List.of(), problems);
        }
        List<Runnable> inForce = new ArrayList<>();
        for (Map.Entry<ServeFlags.Change, Reloadable> part : parts.entrySet()) {
            if (part.getValue().reloads() && changed(part.getKey(), flags)) {
                try {
                    inForce.add(part.getValue().prepare(next)); // a log file that cannot be opened is a problem
                } catch (UsageException e) {
                    return new Outcome(file, List.of(), List.of(), e.getMessage().lines().toList());
                }
            }
        }
        List<String> applied = new ArrayList<>();
        List<String> needsRestart = new ArrayList<>();
        for (ServeFlags.Flag flag : ServeFlags.ALL) {
            ServeFlags.Change change = flag.change();
            if (change != ServeFlags.Change.LIVE && change != ServeFlags.Change.RESTART
                    && change != ServeFlags.Change.COMMAND_LINE) {
                change = parts.getOrDefault(change, Reloadable.ABSENT).reloads()
                        ? ServeFlags.Change.LIVE : ServeFlags.Change.RESTART;
            }
            switch (change) {
                case LIVE -> {
                    String before = value(current, flag);
                    String after = value(flags, flag);
                    if (!Objects.equals(before, after)) {
                        // A limit the open-file limit cannot hold is applied as asked, with the figures, as at startup.
                        boolean unheld = flag.name().equals("max-connections") && !connections.fits();
                        applied.add(flag.name() + " " + before + " -> " + after
                                + (unheld ? " (" + connections.reason() + ")" : ""));
                    }
                }
                case RESTART -> {
                    String before = value(started, flag);
                    String after = value(flags, flag);
                    if (!Objects.equals(before, after)) {
                        needsRestart.add(flag.name() + " " + after + " (still " + before + ")");
                    }
                }
                case COMMAND_LINE, LIVE_ACCESS_LOG, LIVE_CACHE -> {
                }
            }
        }
        Origins origins = next.routing() == null ? null : next.routing().origins();
        if (startedOrigins != null && origins != null && !origins.byHost().equals(startedOrigins.byHost())) {
            // Each origin's connections are made at startup (one pool per origin per loop): see OriginsSection.
            needsRestart.add("origins " + hosts(origins) + " (still " + hosts(startedOrigins) + ")");
        }
        ServerConfig config = next.config();
        server.reconfigure(config.withLimits(config.limits().withMaxConnections(connections.max())));
        for (Runnable part : inForce) {
            part.run();
        }
        current = flags;
        return new Outcome(file, List.copyOf(applied), List.copyOf(needsRestart), List.of());
    }

    /** {@code {img.example=http://10.0.0.6:8080, ...}}: what the report names of an origins section. */
    private static String hosts(Origins origins) {
        Map<String, String> urls = new TreeMap<>();
        origins.byHost().forEach((host, route) -> urls.put(host, route.url()));
        return urls.toString();
    }

    /** Whether a flag of {@code change} has another value in {@code flags} than in the last one applied. */
    private boolean changed(ServeFlags.Change change, Flags flags) {
        return ServeFlags.ALL.stream().filter(flag -> flag.change() == change)
                .anyMatch(flag -> !Objects.equals(value(current, flag), value(flags, flag)));
    }

    /** A flag's value as given (the command line's or the file's text), for comparing and for the log. */
    private static String value(Flags flags, ServeFlags.Flag flag) {
        if (flag.form() == ServeFlags.Form.SWITCH) {
            return Boolean.toString(flags.has(flag.name()));
        }
        return flags.string(flag.name(), DEFAULT);
    }
}
