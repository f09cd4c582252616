package dev.zeroedge.loadtest;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code --name value}, {@code --name=value} and boolean {@code --name} flags of one command, plus the
 * positional arguments ({@code plot A.hgrm B.hgrm}). Undeclared flags are errors, never silently ignored.
 */
final class Flags {

    private final Map<String, String> values = new HashMap<>();
    private final Map<String, List<String>> repeated = new HashMap<>();
    private final List<String> positional = new ArrayList<>();

    private Flags() {
    }

    static Flags parse(String[] args, int from, Set<String> valued, Set<String> booleans) throws UsageException {
        return parse(args, from, valued, booleans, Set.of());
    }

    /** {@code repeatable} flags may be given several times ({@code --external a=... --external b=...}). */
    static Flags parse(String[] args, int from, Set<String> valued, Set<String> booleans, Set<String> repeatable)
            throws UsageException {
        Flags flags = new Flags();
        for (int i = from; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--")) {
                flags.positional.add(arg);
                continue;
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
            } else if (valued.contains(name) || repeatable.contains(name)) {
                if (value == null) {
                    if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
                        throw new UsageException("--" + name + " needs a value");
                    }
                    value = args[++i];
                }
            } else {
                throw new UsageException("unknown flag --" + name);
            }
            if (repeatable.contains(name)) {
                flags.repeated.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
            } else if (flags.values.put(name, value) != null) {
                throw new UsageException("--" + name + " given twice");
            }
        }
        return flags;
    }

    List<String> positional() {
        return positional;
    }

    /** Every value of a repeatable flag, in order (empty when not given). */
    List<String> all(String name) {
        return repeated.getOrDefault(name, List.of());
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    String string(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    String required(String name) throws UsageException {
        String value = values.get(name);
        if (value == null) {
            throw new UsageException("--" + name + " is required");
        }
        return value;
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

    /** A duration: digits with ms, s or m (10s, 500ms, 2m). */
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
            if (parsed.isNegative()) {
                throw new UsageException("--" + name + " must not be negative: " + value);
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " is not a duration (e.g. 10s, 500ms): " + value);
        }
    }

    /** {@code --rate max} (closed loop, returns 0) or a positive number of requests per second. */
    long rate(String name) throws UsageException {
        String value = values.getOrDefault(name, "max");
        if (value.equals("max")) {
            return 0;
        }
        try {
            long parsed = Long.parseLong(value);
            if (parsed < 1) {
                throw new UsageException("--" + name + " must be max or a positive number of requests/s: " + value);
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be max or a number of requests/s: " + value);
        }
    }
}
