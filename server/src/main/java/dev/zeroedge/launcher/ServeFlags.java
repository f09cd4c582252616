package dev.zeroedge.launcher;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The flags of {@code serve}, once: the command line's parser, the config file's keys (a key is its flag's
 * name without the dashes, with the same value syntax) and what a reload may change all come from this
 * list, so a flag added here is a key of the file and a line of the reload's report with nothing else to
 * keep in step. ({@link Help} describes each; {@code ServeFlagsTest} checks that it names every one.)
 *
 * <p>{@link Change#LIVE} marks what a SIGHUP applies to new connections while the open ones and the
 * responses in flight go on as they started: the HTTP limits and timeouts, the
 * connection limit, the open-file cache's timing and the grace period; the access log's path, format and queue
 * are {@link Change#LIVE_ACCESS_LOG}, the cache's maximum size and minimum free space {@link Change#LIVE_CACHE}. Everything else is bound to what
 * the server built at startup (the listening socket, the event loops, the mode's transport, the document
 * root, the file-system threads, the sender's slicing) and is {@link Change#RESTART}: a reload names it
 * and leaves it as it was. A new flag is {@code RESTART} until someone makes it live and proves it.
 */
final class ServeFlags {

    /** Whether a flag takes a value ({@code --port 80}) or stands alone ({@code --serve-dotfiles}). */
    enum Form { VALUE, SWITCH }

    /**
     * What a reload does with a changed value. {@code LIVE}: the server's own settings. {@code LIVE_ACCESS_LOG}:
     * the access log's, which a reload gives to a new log for the lines from then on when the server started
     * with one (see {@code Observability}). {@code LIVE_CACHE}: the edge cache's sizes, which the running cache
     * takes (a smaller maximum evicts at once). Both are left for a restart by a server without that part
     * ({@link Reloadable}). {@code COMMAND_LINE}: not a key of the file at all.
     */
    enum Change { LIVE, LIVE_ACCESS_LOG, LIVE_CACHE, RESTART, COMMAND_LINE }

    record Flag(String name, Form form, Change change) {
    }

    static final List<Flag> ALL = List.of(
            new Flag("config", Form.VALUE, Change.COMMAND_LINE),
            restart("root"),
            restart("port"),
            restart("bind"),
            restart("mode"),
            restart("nic"),
            restart("uring-min-kernel"),
            new Flag("serve-dotfiles", Form.SWITCH, Change.RESTART),
            live("max-request-line"),
            live("max-header-size"),
            live("max-headers"),
            live("max-request-body"),
            live("header-timeout"),
            live("idle-timeout"),
            live("send-timeout"),
            live("max-connections"),
            restart("send-buffer"),
            restart("sendfile-max-chunk"),
            restart("inline-body-max"),
            restart("event-loops"),
            live("grace"),
            restart("open-file-cache"),
            live("open-file-cache-valid"),
            live("open-file-cache-inactive"),
            restart("fs-threads"),
            restart("fs-queue"),
            restart("admin"),
            liveAccessLog("access-log"),
            liveAccessLog("access-log-format"),
            liveAccessLog("access-log-queue"),
            restart("origin"),
            restart("cache-dir"),
            liveCache("cache-max-size"),
            restart("cache-slice"),
            liveCache("cache-min-free"),
            restart("scrub-rate"),
            restart("scrub-interval"),
            restart("cache-stale-max"),
            restart("cache-max-variants"),
            restart("purge-allow"),
            restart("origin-connect-timeout"),
            restart("origin-first-byte-timeout"),
            restart("origin-idle-timeout"),
            restart("parents"),
            restart("parent-probe-interval"),
            restart("cdn-id"));

    private static final Map<String, Flag> BY_NAME = ALL.stream()
            .collect(Collectors.toMap(Flag::name, f -> f, (a, b) -> {
                throw new IllegalStateException("flag listed twice: " + a.name());
            }, LinkedHashMap::new));

    static final Set<String> VALUED = names(Form.VALUE);
    static final Set<String> SWITCHES = names(Form.SWITCH);

    private ServeFlags() {
    }

    /** The flag a config file's key names, if it names one that a file may set. */
    static Optional<Flag> key(String key) {
        Flag flag = BY_NAME.get(key);
        return flag == null || flag.change() == Change.COMMAND_LINE ? Optional.empty() : Optional.of(flag);
    }

    private static Flag restart(String name) {
        return new Flag(name, Form.VALUE, Change.RESTART);
    }

    private static Flag live(String name) {
        return new Flag(name, Form.VALUE, Change.LIVE);
    }

    private static Flag liveAccessLog(String name) {
        return new Flag(name, Form.VALUE, Change.LIVE_ACCESS_LOG);
    }

    private static Flag liveCache(String name) {
        return new Flag(name, Form.VALUE, Change.LIVE_CACHE);
    }

    private static Set<String> names(Form form) {
        return ALL.stream().filter(f -> f.form() == form).map(Flag::name).collect(Collectors.toUnmodifiableSet());
    }
}
