package dev.zeroedge.launcher;

import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code --name value}, {@code --name=value} and boolean {@code --name} flags of one command. Anything
 * the command does not declare is an error, never silently ignored.
 */
final class Flags {

    private final Map<String, String> values = new HashMap<>();

    private Flags() {
    }

    static Flags parse(String[] args, int from, Set<String> valued, Set<String> booleans) throws UsageException {
        Flags flags = new Flags();
        for (int i = from; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--")) {
                throw new UsageException("unexpected argument '" + arg + "'");
            }
            String name = arg.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (booleans.contains(name)) {
                if (value != null) {
                    throw new UsageException("--" + name + " takes no value");
                }
                value = "true";
            } else if (valued.contains(name)) {
                if (value == null) {
                    if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
                        throw new UsageException("--" + name + " needs a value");
                    }
                    value = args[++i];
                }
            } else {
                throw new UsageException("unknown flag --" + name);
            }
            if (flags.values.put(name, value) != null) {
                throw new UsageException("--" + name + " given twice");
            }
        }
        return flags;
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    String string(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    int integer(String name, int fallback, int min, int max) throws UsageException {
        String value = values.get(name);
        if (value == null) {
            return fallback;
        }
        try {
            int parsed = Integer.parseInt(value);
            if (parsed < min || parsed > max) {
                throw new UsageException("--" + name + " must be between " + min + " and " + max + ": " + value);
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " is not a number: " + value);
        }
    }

    /** A byte size: digits with an optional k, m or g suffix (binary units). */
    long size(String name, long fallback) throws UsageException {
        return size(name, fallback, 1, Long.MAX_VALUE);
    }

    /** A size within {@code [min, max]} bytes. */
    long size(String name, long fallback, long min, long max) throws UsageException {
        String value = values.get(name);
        if (value == null) {
            return fallback;
        }
        String v = value.toLowerCase(Locale.ROOT);
        long unit = 1;
        char last = v.isEmpty() ? ' ' : v.charAt(v.length() - 1);
        if (last == 'k' || last == 'm' || last == 'g') {
            unit = last == 'k' ? 1024L : last == 'm' ? 1024L * 1024 : 1024L * 1024 * 1024;
            v = v.substring(0, v.length() - 1);
        }
        try {
            long parsed = Long.parseLong(v);
            if (parsed < 0 || parsed > Long.MAX_VALUE / unit || parsed * unit < min || parsed * unit > max) {
                throw new UsageException("--" + name + (min == 1 && max == Long.MAX_VALUE
                        ? " must be a positive size: " : " must be within " + min + ".." + max + " bytes: ") + value);
            }
            return parsed * unit;
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " is not a size (e.g. 2m, 512k): " + value);
        }
    }

    /** A duration: digits with ms, s or m (e.g. 10s, 500ms, 2m). */
    Duration duration(String name, Duration fallback) throws UsageException {
        String value = values.get(name);
        if (value == null) {
            return fallback;
        }
        String v = value.toLowerCase(Locale.ROOT);
        try {
            Duration parsed;
            if (v.endsWith("ms")) {
                parsed = Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            } else if (v.endsWith("s")) {
                parsed = Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)));
            } else if (v.endsWith("m")) {
                parsed = Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1)));
            } else {
                throw new UsageException("--" + name + " needs a unit (ms, s, m): " + value);
            }
            if (parsed.isNegative() || parsed.isZero()) {
                throw new UsageException("--" + name + " must be positive: " + value);
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " is not a duration (e.g. 10s, 500ms): " + value);
        }
    }
}
