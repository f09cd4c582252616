package dev.zeroedge.launcher;

import dev.zeroedge.accesslog.AccessLog;
import dev.zeroedge.accesslog.CurrentAccessLog;
import dev.zeroedge.accesslog.LogFormat;
import dev.zeroedge.cli.Flags;
import dev.zeroedge.cli.UsageException;
import dev.zeroedge.http.SiteObserver;
import dev.zeroedge.metrics.AdminListener;
import dev.zeroedge.metrics.Reloads;
import dev.zeroedge.metrics.ServerMetrics;
import dev.zeroedge.mode.Mode;
import dev.zeroedge.server.ZeroedgeServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * What {@code serve} measures and logs, from its flags: {@code --admin ADDR} (the metrics and the admin
 * listener; off by default) and {@code --access-log PATH|off} with {@code --access-log-format} and
 * {@code --access-log-queue}. Both are observers of the site; with neither, the server measures nothing.
 * SIGUSR1 reopens the access log; a reload may give it another path, format or queue, or turn it off
 * ({@link #accessLogReload}), but not turn on one the server started without.
 */
final class Observability implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger("zeroedge");

    private final ServerMetrics metrics;
    private final InetSocketAddress adminAddress;
    private final CurrentAccessLog accessLog;
    private final Mode mode;
    private AdminListener admin;

    private Observability(ServerMetrics metrics, InetSocketAddress adminAddress, CurrentAccessLog accessLog,
                          Mode mode) {
        this.metrics = metrics;
        this.adminAddress = adminAddress;
        this.accessLog = accessLog;
        this.mode = mode;
    }

    /** Reads the flags and opens the access log (before the server starts: its observer goes to the site). */
    static Observability of(Flags flags, Mode mode) throws UsageException {
        InetSocketAddress adminAddress = adminAddress(flags);
        AccessLog first = accessLog(flags, mode);
        return new Observability(adminAddress == null ? null : new ServerMetrics(), adminAddress,
                first == null ? null : new CurrentAccessLog(first), mode);
    }

    /** The access log the flags ask for, opened; null for {@code off}. */
    private static AccessLog accessLog(Flags flags, Mode mode) throws UsageException {
        LogFormat format = format(flags);
        int queue = queue(flags);
        String path = flags.string("access-log", "off");
        if (path.equals("off")) {
            return null;
        }
        try {
            return new AccessLog(Path.of(path), format, mode.userName(), queue);
        } catch (IOException e) {
            throw new UsageException(flags.where("access-log") + " " + path + ": cannot open: " + e.getMessage());
        }
    }

    /**
     * The access log as a reload changes it: when the server started with one, a new log (another path, format
     * or queue) is opened when the reload is made ready, a path that cannot be opened refusing the reload, and put
     * in force with the rest of it; {@code off} stops logging. Not one the server started without.
     */
    Reloadable accessLogReload() {
        if (accessLog == null) {
            return Reloadable.ABSENT;
        }
        return Reloadable.of(next -> {
            AccessLog opened = accessLog(next.flags(), mode);
            return () -> {
                accessLog.replace(opened);
                if (opened == null) {
                    log.info("access log off");
                } else {
                    log.info("access log {} ({}; SIGUSR1 reopens it)", opened.path(), opened.format());
                }
            };
        });
    }

    /** The values of these flags, checked without opening anything: what check-config asks of them. */
    static void check(Flags flags) throws UsageException {
        adminAddress(flags);
        format(flags);
        queue(flags);
    }

    private static InetSocketAddress adminAddress(Flags flags) throws UsageException {
        if (!flags.has("admin")) {
            return null;
        }
        try {
            return AdminListener.address(flags.string("admin", null));
        } catch (IllegalArgumentException e) {
            throw new UsageException(flags.where("admin") + " " + flags.string("admin", null) + ": " + e.getMessage());
        }
    }

    private static LogFormat format(Flags flags) throws UsageException {
        try {
            return LogFormat.parse(flags.string("access-log-format", "combined"));
        } catch (IllegalArgumentException e) {
            throw new UsageException(flags.where("access-log-format") + ": " + e.getMessage());
        }
    }

    /** The settings' flags collect their problems (see {@link ServeSettings}): this one is thrown at once. */
    private static int queue(Flags flags) throws UsageException {
        int queue = flags.integer("access-log-queue", AccessLog.DEFAULT_QUEUE, 1, 10_000_000);
        flags.throwProblems();
        return queue;
    }

    /** What the site tells of its responses: the metrics, the access log, both or none (null). */
    SiteObserver observer() {
        return SiteObserver.both(metrics == null ? null : metrics.observer(), accessLog);
    }

    /** The same, and with the metrics also {@code cacheTraffic} (the edge cache's bytes sent of hits). */
    SiteObserver observer(SiteObserver cacheTraffic) {
        return metrics == null ? observer() : SiteObserver.both(observer(), cacheTraffic);
    }

    /** Where a configuration reload is counted; null without {@code --admin}. */
    Reloads reloads() {
        return metrics == null ? null : metrics.reloads();
    }

    /**
     * The server runs: binds the admin listener, whose {@code /probe} answers with {@code probeJson}, and
     * lets SIGUSR1 reopen the access log.
     */
    void serving(ZeroedgeServer server, String reason, Supplier<String> probeJson) throws UsageException {
        if (accessLog != null) {
            Signal.handle(new Signal("USR1"), signal -> accessLog.reopen());
        }
        if (metrics == null) {
            return;
        }
        metrics.serving(server, reason);
        if (accessLog != null) {
            metrics.countAccessLogDrops(accessLog::dropped);
        }
        try {
            admin = AdminListener.start(adminAddress, server, metrics, probeJson);
        } catch (IOException e) {
            throw new UsageException("--admin: " + e.getMessage());
        }
    }

    /** One line per thing observed, after the "serving" line. */
    void logWhat() {
        if (admin != null) {
            log.info("admin on http://{}:{}/ (/metrics, /healthz, /probe)", admin.address().getHostString(),
                    admin.address().getPort());
        }
        if (accessLog != null) {
            log.info("access log {} ({}; SIGUSR1 reopens it)", accessLog.path(), accessLog.log().format());
        }
    }

    /** After the server stopped: the admin listener closes, the access log writes what it has. */
    @Override
    public void close() {
        if (admin != null) {
            admin.close();
        }
        if (accessLog != null) {
            accessLog.close();
            if (accessLog.dropped() > 0) {
                log.warn("access log: {} lines dropped while its queue was full", accessLog.dropped());
            }
        }
    }
}
