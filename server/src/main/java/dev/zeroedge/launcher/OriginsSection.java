package dev.zeroedge.launcher;

import dev.zeroedge.cli.Flags;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.Tag;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The config file's {@code origins:} section: Host names to origins, each with its own timeouts and size bound;
 * every other Host goes to {@code origin} ({@code --origin}), the default.
 *
 * <pre>
 * origins:
 *   img.example.com: http://10.0.0.6:8080          # the origin alone: the default origin's timeouts
 *   video.example.com:
 *     url: http://10.0.0.5:8080
 *     connect-timeout: 1s
 *     first-byte-timeout: 5s
 *     idle-timeout: 10s
 *     max-object-size: 512m                         # longer bodies are relayed, never stored
 *     max-size: 2g                                  # its objects' share of --cache-max-size, evicted among them
 * </pre>
 *
 * Read here into settings named by file and line, as the flat keys are ({@link ConfigFile}); their values are
 * checked by {@link ServeSettings} with the flags' own parsers, so a bad duration reads as any other.
 */
final class OriginsSection {

    static final String KEY = "origins";
    static final Set<String> FIELDS = Set.of("url", "connect-timeout", "first-byte-timeout", "idle-timeout",
            "max-object-size", "max-size");

    /**
     * One Host's origin.
     *
     * @param host     the Host name, lower case
     * @param at       {@code FILE:LINE: } of its name
     * @param settings its fields, each named by its line
     */
    record Entry(String host, String at, List<Flags.Setting> settings) {
    }

    private OriginsSection() {
    }

    /** The entries of {@code node} (the section's value); what is wrong is added to {@code problems}. */
    static List<Entry> read(Node node, String label, List<String> problems) {
        String at = label + ":" + line(node) + ": ";
        if (!(node instanceof MappingNode mapping)) {
            problems.add(at + "origins is a mapping of Host names to origins (img.example.com: http://HOST:PORT)");
            return List.of();
        }
        List<Entry> entries = new ArrayList<>();
        Map<String, Integer> firstLine = new HashMap<>();
        for (NodeTuple tuple : mapping.getValue()) {
            String hostAt = label + ":" + line(tuple.getKeyNode()) + ": ";
            if (!(tuple.getKeyNode() instanceof ScalarNode hostNode) || hostNode.getValue().isBlank()
                    || !hostNode.getValue().matches("[A-Za-z0-9.\\-:\\[\\]]+")) {
                problems.add(hostAt + "origins: a key must be a Host name, e.g. img.example.com");
                continue;
            }
            String host = hostNode.getValue().toLowerCase(Locale.ROOT);
            Integer first = firstLine.putIfAbsent(host, line(hostNode));
            if (first != null) {
                problems.add(hostAt + "origins: " + host + " given twice (first on line " + first + ")");
                continue;
            }
            Node value = tuple.getValueNode();
            if (value instanceof ScalarNode url) {
                if (url.getTag().equals(Tag.NULL) && url.isPlain()) {
                    problems.add(hostAt + "origins: " + host + " has no origin");
                    continue;
                }
                entries.add(new Entry(host, hostAt, List.of(new Flags.Setting("url", url.getValue(),
                        hostAt + "origins: " + host + " url"))));
                continue;
            }
            if (!(value instanceof MappingNode fields)) {
                problems.add(hostAt + "origins: " + host + " is an origin URL or a mapping of url, timeouts,"
                        + " max-object-size and max-size");
                continue;
            }
            List<Flags.Setting> settings = new ArrayList<>();
            Map<String, Integer> fieldLine = new HashMap<>();
            for (NodeTuple field : fields.getValue()) {
                String fieldAt = label + ":" + line(field.getKeyNode()) + ": ";
                String name = field.getKeyNode() instanceof ScalarNode s ? s.getValue() : null;
                if (name == null || !FIELDS.contains(name)) {
                    problems.add(fieldAt + "origins: " + host + ": unknown key " + name + " (one of url,"
                            + " connect-timeout, first-byte-timeout, idle-timeout, max-object-size, max-size)");
                    continue;
                }
                Integer before = fieldLine.putIfAbsent(name, line(field.getKeyNode()));
                if (before != null) {
                    problems.add(fieldAt + "origins: " + host + ": " + name + " given twice (first on line "
                            + before + ")");
                    continue;
                }
                if (!(field.getValueNode() instanceof ScalarNode v) || (v.getTag().equals(Tag.NULL) && v.isPlain())) {
                    problems.add(fieldAt + "origins: " + host + ": " + name + " takes one value");
                    continue;
                }
                settings.add(new Flags.Setting(name, v.getValue(), fieldAt + "origins: " + host + " " + name));
            }
            if (!fieldLine.containsKey("url")) {
                problems.add(hostAt + "origins: " + host + " needs url: http://HOST:PORT");
                continue;
            }
            entries.add(new Entry(host, hostAt, List.copyOf(settings)));
        }
        return List.copyOf(entries);
    }

    private static int line(Node node) {
        return node.getStartMark().map(m -> m.getLine() + 1).orElse(1);
    }
}
