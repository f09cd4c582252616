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
 *
 * <p>A command may also take the same settings from a file ({@link #over}): a value from there is named in
 * messages by where it was written ({@code zeroedge.yaml:7: max-connections}), and one on the command line
 * wins over it. A command that wants every problem at once rather than the first ({@code check-config})
 * {@linkplain #collectProblems collects} them: a getter then notes its problem and returns the fallback.
 */
public final class Flags {

    /** Whether a command takes arguments that are not flags. */
    public enum Positional { NONE, ANY }

    private final Map<String, String> values = new HashMap<>();
    private final Map<String, List<String>> repeated = new HashMap<>();
    private final List<String> positional = new ArrayList<>();
    /** How a value that did not come from the command line is named in messages, by flag. */
    private final Map<String, String> origins = new HashMap<>();
    /** Null while the first problem throws; see {@link #collectProblems}. */
    private List<String> problems;

    private Flags() {
    }

    /**
     * A setting read from elsewhere than the command line: {@code origin} names it in messages
     * ({@code zeroedge.yaml:7: max-connections}).
     */
    public record Setting(String name, String value, String origin) {
    }

    /**
     * These flags over {@code settings}: a setting counts where the command line did not give its flag. The
     * settings' names must be ones the command declares (the caller checked them, with their origins).
     */
    public Flags over(List<Setting> settings) {
        Flags merged = new Flags();
        merged.values.putAll(values);
        repeated.forEach((name, all) -> merged.repeated.put(name, new ArrayList<>(all)));
        merged.positional.addAll(positional);
        merged.origins.putAll(origins);
        for (Setting setting : settings) {
            if (!has(setting.name())) {
                merged.values.put(setting.name(), setting.value());
                merged.origins.put(setting.name(), setting.origin());
            }
        }
        if (problems != null) {
            merged.problems = new ArrayList<>(problems);
        }
        return merged;
    }

    /** From now on a getter's problem is noted (see {@link #problems}) and its fallback returned; this. */
    public Flags collectProblems() {
        if (problems == null) {
            problems = new ArrayList<>();
        }
        return this;
    }

    /** What the getters and {@link #problem} found so far, in order, one line each. */
    public List<String> problems() {
        return problems == null ? List.of() : List.copyOf(problems);
    }

    /** Throws every problem collected, one per line, if there is any. */
    public void throwProblems() throws UsageException {
        if (problems != null && !problems.isEmpty()) {
            throw new UsageException(String.join("\n", problems));
        }
    }

    /** A problem the command found itself: thrown at once, or collected. */
    public void problem(String message) throws UsageException {
        if (problems == null) {
            throw new UsageException(message);
        }
        problems.add(message);
    }

    /** How messages name {@code name}'s value: {@code --name}, or where a file set it. */
    public String where(String name) {
        return origins.getOrDefault(name, "--" + name);
    }

    /** Whether the value of {@code name} came from the command line (not from a file, not absent). */
    public boolean onCommandLine(String name) {
        return has(name) && !origins.containsKey(name);
    }

    /** Notes {@code message} (see {@link #problem}) and answers {@code fallback} when collecting. */
    private <T> T problem(String message, T fallback) throws UsageException {
        problem(message);
        return fallback;
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
            return problem("--" + name + " is required", null);
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
                return problem(where(name) + " must be between " + min + " and " + max + ": " + value, fallback);
            }
            return parsed;
        } catch (NumberFormatException e) {
            return problem(where(name) + " is not a number: " + value, fallback);
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
                return problem(where(name) + (min == 1 && max == Long.MAX_VALUE
                        ? " must be a positive size: " : " must be within " + min + ".." + max + " bytes: ") + value,
                        fallback);
            }
            return parsed * unit;
        } catch (NumberFormatException e) {
            return problem(where(name) + " is not a size (e.g. 2m, 512k): " + value, fallback);
        }
    }

    /** A positive duration: digits with ms, s or m (10s, 500ms, 2m). */
    public Duration duration(String name, Duration fallback) throws UsageException {
        int before = problems().size();
        Duration parsed = durationOrZero(name, fallback);
        if (parsed.isZero() && values.containsKey(name) && problems().size() == before) {
            return problem(where(name) + " must be positive: " + values.get(name), fallback);
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
                return problem(where(name) + " needs a unit (ms, s, m, h): " + value, fallback);
            }
            if (parsed.isNegative()) {
                return problem(where(name) + " must not be negative: " + value, fallback);
            }
            return parsed;
        } catch (NumberFormatException | ArithmeticException e) {
            return problem(where(name) + " is not a duration (e.g. 10s, 500ms): " + value, fallback);
        }
    }
}
