package dev.zeroedge.launcher;

import dev.zeroedge.cli.Flags;
import dev.zeroedge.cli.UsageException;
import dev.zeroedge.server.ServerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * The table of serve's flags against what uses it: {@code --help} describes exactly its flags, and what it
 * marks LIVE is what a running server really takes on a reload ({@link ServerConfig#withLiveSettingsOf}),
 * while a RESTART flag changes nothing a reload would apply.
 */
class ServeFlagsTest {

    /**
     * A value other than the default for each flag a file may set. A flag added to the table without one
     * fails {@link #everyLiveFlagChangesOnlyWhatAReloadApplies}: its place in the reload table is a decision.
     */
    private static final Map<String, String> OTHER_VALUES = Map.ofEntries(
            Map.entry("port", "9000"), Map.entry("bind", "127.0.0.1"), Map.entry("mode", "nio-sendfile"),
            Map.entry("nic", "lo"), Map.entry("uring-min-kernel", "5.10"), Map.entry("serve-dotfiles", ""),
            Map.entry("max-request-line", "4k"), Map.entry("max-header-size", "8k"), Map.entry("max-headers", "50"),
            Map.entry("max-request-body", "10m"),
            Map.entry("header-timeout", "5s"), Map.entry("idle-timeout", "30s"), Map.entry("send-timeout", "30s"),
            Map.entry("max-connections", "100"), Map.entry("send-buffer", "64k"),
            Map.entry("sendfile-max-chunk", "1m"), Map.entry("inline-body-max", "4k"),
            Map.entry("event-loops", "3"), Map.entry("grace", "3s"), Map.entry("open-file-cache", "100"),
            Map.entry("open-file-cache-valid", "2s"), Map.entry("open-file-cache-inactive", "30s"),
            Map.entry("fs-threads", "4"), Map.entry("fs-queue", "10"), Map.entry("admin", "9145"),
            Map.entry("access-log", "/tmp/zeroedge-access.log"), Map.entry("access-log-format", "json"),
            Map.entry("access-log-queue", "100"), Map.entry("cache-max-size", "1g"),
            Map.entry("cache-slice", "1m"),
            Map.entry("cache-min-free", "10%"), Map.entry("cache-stale-max", "1h"),
            Map.entry("scrub-rate", "5m"),
            Map.entry("scrub-interval", "1h"),
            Map.entry("origin-connect-timeout", "1s"), Map.entry("origin-first-byte-timeout", "5s"),
            Map.entry("origin-idle-timeout", "10s"), Map.entry("parents", "http://127.0.0.1:9"),
            Map.entry("cdn-id", "edge-7"), Map.entry("parent-probe-interval", "5s"),
            Map.entry("cache-max-variants", "4"),
            Map.entry("purge-allow", "10.0.0.0/8"));

    @TempDir
    Path root;
    @TempDir
    Path otherRoot;

    @Test
    void helpDescribesExactlyTheFlagsOfTheTable() {
        String serveOptions = Help.TEXT.substring(Help.TEXT.indexOf("serve options:"), Help.TEXT.indexOf("check-config reads"));
        Set<String> described = new TreeSet<>();
        Matcher option = Pattern.compile("^ {2}--([a-z-]+)", Pattern.MULTILINE).matcher(serveOptions);
        while (option.find()) {
            described.add(option.group(1));
        }
        Set<String> table = ServeFlags.ALL.stream().map(ServeFlags.Flag::name).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(table, described);
    }

    @Test
    void everyLiveFlagChangesOnlyWhatAReloadApplies() throws UsageException {
        ServerConfig base = read();
        List<String> wrong = new ArrayList<>();
        for (ServeFlags.Flag flag : ServeFlags.ALL) {
            if (flag.change() == ServeFlags.Change.COMMAND_LINE) {
                continue;
            }
            ServerConfig changed = flag.name().equals("root") ? read("--root", otherRoot.toString())
                    : CACHE.contains(flag.name()) ? readCache(flag)
                    : flag.form() == ServeFlags.Form.SWITCH ? read("--" + flag.name())
                    : read("--" + flag.name(), value(flag));
            ServerConfig reloaded = base.withLiveSettingsOf(changed);
            if (flag.change() == ServeFlags.Change.LIVE) {
                assertNotEquals(base, changed, flag.name() + " changes the configuration");
                if (!reloaded.equals(changed)) {
                    wrong.add(flag.name() + " is LIVE but a reload does not take all of it");
                }
            } else if (!reloaded.equals(base)) {
                // RESTART, and LIVE_ACCESS_LOG: the access log's flags are not the server's to apply.
                wrong.add(flag.name() + " is " + flag.change() + " but a reload would apply it to the server");
            }
        }
        assertEquals(List.of(), wrong);
    }

    /** The edge cache's flags, which take --origin and --cache-dir in place of --root. */
    private static final Set<String> CACHE = Set.of("origin", "cache-dir", "cache-max-size", "cache-slice",
            "cache-min-free", "scrub-rate", "scrub-interval", "cache-stale-max", "origin-connect-timeout",
            "origin-first-byte-timeout", "origin-idle-timeout", "parents", "parent-probe-interval", "cdn-id",
            "cache-max-variants",
            "purge-allow");

    private ServerConfig readCache(ServeFlags.Flag flag) throws UsageException {
        List<String> args = new ArrayList<>(List.of("--origin", "http://127.0.0.1:9", "--cache-dir",
                otherRoot.resolve("cache").toString()));
        if (!flag.name().equals("origin") && !flag.name().equals("cache-dir")) {
            args.addAll(List.of("--" + flag.name(), value(flag)));
        }
        return read(args.toArray(String[]::new), true);
    }

    private static String value(ServeFlags.Flag flag) {
        String value = OTHER_VALUES.get(flag.name());
        if (value == null) {
            throw new AssertionError("no other value for " + flag.name() + " in OTHER_VALUES: is it LIVE or RESTART?");
        }
        return value;
    }

    private ServerConfig read(String... flags) throws UsageException {
        return read(flags, flags.length > 0 && flags[0].equals("--root"));
    }

    private ServerConfig read(String[] flags, boolean noDefaultRoot) throws UsageException {
        List<String> args = new ArrayList<>(List.of("serve", "--root", root.toString()));
        if (noDefaultRoot) {
            args = new ArrayList<>(List.of("serve"));
        }
        args.addAll(List.of(flags));
        return ServeSettings.read(Flags.parse(args.toArray(String[]::new), 1, ServeFlags.VALUED, ServeFlags.SWITCHES))
                .config();
    }
}
