package dev.zeroedge.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The flags of one command: {@code --name value}, {@code --name=value}, boolean {@code --name}, flags that
 * may be repeated ({@code --external a=... --external b=...}) and, where the command takes them, positional
 * arguments ({@code plot A.hgrm B.hgrm}). Anything the command does not declare is an error, never silently
 * ignored; so is a flag given twice, or a value that does not read as its kind (size, duration, number).
 * Every message names the flag, so a program can print it as its one line of error.
 */
public final class Flags {

    /** Whether a command takes arguments that are not flags. */
    public enum Positional { NONE, ANY }

    private final Map<String, String> values = new HashMap<>();
    private final Map<String, List<String>> repeated = new HashMap<>();
    private final List<String> positional = new ArrayList<>();

    private Flags() {
    }

    /** A command of flags only: {@code valued} take a value, {@code booleans} stand alone. */
    public static Flags parse(String[] args, int from, Set<String> valued, Set<String> booleans) throws UsageException {
        return parse(args, from, valued, booleans, Set.of(), Positional.NONE);
    }

    public static Flags parse(String[] args, int from, Set<String> valued, Set<String> booleans,
                              Set<String> repeatable, Positional positionals) throws UsageException {
        Flags flags = new Flags();
        for (int i = from; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--")) {
                if (positionals == Positional.NONE) {
                    throw new UsageException("unexpected argument '" + arg + "'");
                }
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

    public boolean has(String name) {
        return values.containsKey(name) || repeated.containsKey(name);
    }

    /** The arguments that are not flags, in order. */
    public List<String> positional() {
        return positional;
    }

    /** Every value of a repeatable flag, in order (empty when not given). */
    public List<String> all(String name) {
        return repeated.getOrDefault(name, List.of());
    }

    public String string(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    public String required(String name) throws UsageException {
        String value = values.get(name);
        if (value == null) {
            throw new UsageException("--" + name + " is required");
        }
        return value;
    }

    public int integer(String name, int fallback, int min, int max) throws UsageException {
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

    /** A positive byte size: digits with an optional k, m or g suffix (binary units). */
    public long size(String name, long fallback) throws UsageException {
        return size(name, fallback, 1, Long.MAX_VALUE);
    }

    /** A byte size within {@code [min, max]}. */
    public long size(String name, long fallback, long min, long max) throws UsageException {
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

    /** A positive duration: digits with ms, s or m (10s, 500ms, 2m). */
    public Duration duration(String name, Duration fallback) throws UsageException {
        Duration parsed = durationOrZero(name, fallback);
        if (parsed.isZero() && values.containsKey(name)) {
            throw new UsageException("--" + name + " must be positive: " + values.get(name));
        }
        return parsed;
    }

    /** A duration that may be zero ({@code --warmup 0s}: none). */
    public Duration durationOrZero(String name, Duration fallback) throws UsageException {
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
            } else if (v.endsWith("h")) {
                parsed = Duration.ofHours(Long.parseLong(v.substring(0, v.length() - 1)));
            } else {
                throw new UsageException("--" + name + " needs a unit (ms, s, m, h): " + value);
            }
            if (parsed.isNegative()) {
                throw new UsageException("--" + name + " must not be negative: " + value);
            }
            return parsed;
        } catch (NumberFormatException | ArithmeticException e) {
            throw new UsageException("--" + name + " is not a duration (e.g. 10s, 500ms): " + value);
        }
    }
}
