package dev.zeroedge.metrics;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of the Prometheus text format (0.0.4): every line is a {@code # HELP}, a {@code # TYPE} or
 * a sample of a family whose TYPE came before it; names and label names match the format's grammar; label
 * values use only its escapes; a series appears once; the body ends with a newline. Anything else fails the
 * test that reads it, so a scrape is checked as Prometheus would read it, not by substrings.
 */
final class PrometheusText {

    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");
    /** The sample suffixes each type allows after its family name. */
    private static final Map<String, Set<String>> SUFFIXES = Map.of(
            // The client names a counter's family with its _total (0.0.4 has no suffix rule for counters).
            "counter", Set.of("", "_created"),
            "gauge", Set.of(""),
            "histogram", Set.of("_bucket", "_count", "_sum", "_created"),
            "summary", Set.of("", "_count", "_sum", "_created"),
            "untyped", Set.of(""));

    private final Map<String, String> types = new LinkedHashMap<>();
    private final Map<String, Double> samples = new LinkedHashMap<>();

    private PrometheusText() {
    }

    static PrometheusText parse(String body) {
        PrometheusText text = new PrometheusText();
        if (!body.endsWith("\n")) {
            throw new AssertionError("body does not end with a newline");
        }
        int number = 0;
        for (String line : body.substring(0, body.length() - 1).split("\n", -1)) {
            number++;
            try {
                text.line(line);
            } catch (RuntimeException e) {
                throw new AssertionError("line " + number + " '" + line + "': " + e.getMessage(), e);
            }
        }
        return text;
    }

    private void line(String line) {
        if (line.startsWith("# HELP ")) {
            String rest = line.substring(7);
            int sp = rest.indexOf(' ');
            name(sp < 0 ? rest : rest.substring(0, sp));
            return;
        }
        if (line.startsWith("# TYPE ")) {
            String[] parts = line.substring(7).split(" ", -1);
            if (parts.length != 2 || !TYPES.contains(parts[1])) {
                throw new IllegalArgumentException("malformed TYPE");
            }
            name(parts[0]);
            if (types.put(parts[0], parts[1]) != null) {
                throw new IllegalArgumentException("TYPE repeated for " + parts[0]);
            }
            return;
        }
        if (line.startsWith("#") || line.isEmpty()) {
            throw new IllegalArgumentException("neither a HELP, a TYPE nor a sample");
        }
        int i = 0;
        while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
            i++;
        }
        String name = name(line.substring(0, i));
        TreeMap<String, String> labels = new TreeMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i = labels(line, i + 1, labels);
        }
        if (i >= line.length() || line.charAt(i) != ' ') {
            throw new IllegalArgumentException("no space before the value");
        }
        String[] valueAndTime = line.substring(i + 1).split(" ", -1);
        if (valueAndTime.length > 2) {
            throw new IllegalArgumentException("too many fields after the labels");
        }
        double value = value(valueAndTime[0]);
        family(name);
        String key = key(name, labels);
        if (samples.put(key, value) != null) {
            throw new IllegalArgumentException("series repeated: " + key);
        }
    }

    /** Checks that a sample belongs to a declared family, by the suffixes its type allows. */
    private void family(String sample) {
        for (Map.Entry<String, String> family : types.entrySet()) {
            for (String suffix : SUFFIXES.get(family.getValue())) {
                if (sample.equals(family.getKey() + suffix)) {
                    return;
                }
            }
        }
        throw new IllegalArgumentException("sample " + sample + " of no declared family");
    }

    private static int labels(String line, int i, TreeMap<String, String> labels) {
        while (true) {
            if (line.charAt(i) == '}') {
                return i + 1;
            }
            int eq = line.indexOf('=', i);
            String labelName = line.substring(i, eq);
            if (!LABEL_NAME.matcher(labelName).matches()) {
                throw new IllegalArgumentException("bad label name " + labelName);
            }
            if (line.charAt(eq + 1) != '"') {
                throw new IllegalArgumentException("label value not quoted");
            }
            StringBuilder value = new StringBuilder();
            int j = eq + 2;
            while (line.charAt(j) != '"') {
                char c = line.charAt(j);
                if (c == '\\') {
                    char next = line.charAt(++j);
                    switch (next) {
                        case '\\' -> value.append('\\');
                        case '"' -> value.append('"');
                        case 'n' -> value.append('\n');
                        default -> throw new IllegalArgumentException("bad escape \\" + next);
                    }
                } else {
                    value.append(c);
                }
                j++;
            }
            if (labels.put(labelName, value.toString()) != null) {
                throw new IllegalArgumentException("label repeated: " + labelName);
            }
            i = j + 1;
            if (line.charAt(i) == ',') {
                i++;
            } else if (line.charAt(i) != '}') {
                throw new IllegalArgumentException("expected ',' or '}' after a label");
            }
        }
    }

    private static double value(String text) {
        return switch (text) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(text);
        };
    }

    private static String name(String name) {
        Matcher m = NAME.matcher(name);
        if (!m.matches()) {
            throw new IllegalArgumentException("bad metric name " + name);
        }
        return name;
    }

    private static String key(String name, Map<String, String> labels) {
        StringBuilder key = new StringBuilder(name).append('{');
        labels.forEach((k, v) -> key.append(k).append('=').append(v).append(','));
        return key.append('}').toString();
    }

    /** The type a family was declared with, or null. */
    String type(String family) {
        return types.get(family);
    }

    /** The value of one series, {@code labels} as name, value, ...; null when it is absent. */
    Double value(String name, String... labels) {
        TreeMap<String, String> map = new TreeMap<>();
        for (int i = 0; i < labels.length; i += 2) {
            map.put(labels[i], labels[i + 1]);
        }
        return samples.get(key(name, map));
    }

    /** Every series of {@code name} (any labels) with its value. */
    Map<String, Double> series(String name) {
        Map<String, Double> found = new LinkedHashMap<>();
        samples.forEach((key, value) -> {
            if (key.startsWith(name + "{")) {
                found.put(key, value);
            }
        });
        return found;
    }
}
