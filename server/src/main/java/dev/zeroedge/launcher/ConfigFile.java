package dev.zeroedge.launcher;

import dev.zeroedge.cli.Flags;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.Tag;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code --config FILE}: a YAML mapping of {@link ServeFlags} keys to values written as on the command line
 * ({@code max-header-size: 16k}, {@code header-timeout: 10s}, {@code serve-dotfiles: true}). The file is
 * read into {@link Flags.Setting}s, each named by its file and line ({@code zeroedge.yaml:7: max-connections}),
 * so that the command line's own checks report a bad value from the file with where it was written.
 *
 * <p>snakeyaml-engine rather than jackson-dataformat-yaml: it is YAML 1.2 (where {@code no} is a string, not
 * false, and {@code 010} is ten), has no dependency of its own (Jackson's YAML brings databind, core and
 * SnakeYAML 2 into the jar), and its composer gives each node with its line, which is all this needs: the
 * values stay text for the flags' parsers, never bound to objects. Only its composer runs, so no tag of the
 * file can make it build anything.
 */
final class ConfigFile {

    private final List<Flags.Setting> settings;
    private final List<OriginsSection.Entry> origins;
    private final List<String> problems;
    private final boolean unreadable;

    private ConfigFile(List<Flags.Setting> settings, List<OriginsSection.Entry> origins, List<String> problems,
                       boolean unreadable) {
        this.settings = settings;
        this.origins = origins;
        this.problems = problems;
        this.unreadable = unreadable;
    }

    /** The settings of {@code file}; what cannot be a setting (unknown key, no value, ...) is a problem each. */
    static ConfigFile read(Path file) {
        String label = file.toString();
        Optional<Node> document;
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            document = new Compose(LoadSettings.builder().setLabel(label).build()).composeReader(in);
        } catch (NoSuchFileException e) {
            return broken(label + ": no such file");
        } catch (IOException e) {
            return broken(label + ": cannot be read: " + e.getMessage());
        } catch (MarkedYamlEngineException e) {
            String where = e.getProblemMark().or(e::getContextMark).map(m -> label + ":" + (m.getLine() + 1))
                    .orElse(label);
            return broken(where + ": not YAML: " + e.getProblem());
        } catch (YamlEngineException e) {
            return broken(label + ": not YAML: " + e.getMessage());
        }
        if (document.isEmpty()) {
            return new ConfigFile(List.of(), List.of(), List.of(), false);
        }
        if (!(document.get() instanceof MappingNode mapping)) {
            return broken(label + ":" + line(document.get()) + ": not a mapping of keys to values (key: value lines)");
        }
        List<Flags.Setting> settings = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        Map<String, Integer> firstLine = new HashMap<>();
        List<OriginsSection.Entry> origins = List.of();
        for (NodeTuple entry : mapping.getValue()) {
            String at = label + ":" + line(entry.getKeyNode()) + ": ";
            if (!(entry.getKeyNode() instanceof ScalarNode keyNode)) {
                problems.add(at + "a key must be a name, e.g. port");
                continue;
            }
            String key = keyNode.getValue();
            if (key.equals(OriginsSection.KEY)) {
                // The one section that is no flag: Host names to origins.
                Integer first = firstLine.putIfAbsent(key, line(keyNode));
                if (first != null) {
                    problems.add(at + key + " given twice (first on line " + first + ")");
                } else {
                    origins = OriginsSection.read(entry.getValueNode(), label, problems);
                }
                continue;
            }
            Optional<ServeFlags.Flag> flag = ServeFlags.key(key);
            if (flag.isEmpty()) {
                problems.add(at + (key.equals("config") ? "config is a flag of the command line only"
                        : "unknown key " + key));
                continue;
            }
            Integer first = firstLine.putIfAbsent(key, line(keyNode));
            if (first != null) {
                problems.add(at + key + " given twice (first on line " + first + ")");
                continue;
            }
            String value = value(flag.get(), key, entry.getValueNode(), at, problems);
            if (value != null) {
                settings.add(new Flags.Setting(key, value, at + key));
            }
        }
        return new ConfigFile(List.copyOf(settings), origins, List.copyOf(problems), false);
    }

    /**
     * The value's text as the command line would give it, or null with a problem noted. A switch is
     * {@code true} or {@code false}; false is left out, as an absent flag.
     */
    private static String value(ServeFlags.Flag flag, String key, Node node, String at, List<String> problems) {
        if (!(node instanceof ScalarNode scalar)) {
            problems.add(at + key + " takes one value, not a list or a mapping");
            return null;
        }
        if (scalar.getTag().equals(Tag.NULL) && scalar.isPlain()) {
            problems.add(at + key + " has no value");
            return null;
        }
        if (flag.form() == ServeFlags.Form.SWITCH) {
            if (!scalar.getTag().equals(Tag.BOOL)) {
                problems.add(at + key + " must be true or false: " + scalar.getValue());
                return null;
            }
            return Boolean.parseBoolean(scalar.getValue()) ? "true" : null;
        }
        return scalar.getValue();
    }

    private static int line(Node node) {
        return node.getStartMark().map(m -> m.getLine() + 1).orElse(1);
    }

    private static ConfigFile broken(String problem) {
        return new ConfigFile(List.of(), List.of(), List.of(problem), true);
    }

    List<Flags.Setting> settings() {
        return settings;
    }

    /** The {@code origins:} section's entries, in the file's order (none without one). */
    List<OriginsSection.Entry> origins() {
        return origins;
    }

    /** What is wrong with the file itself, one line each, in the file's order. */
    List<String> problems() {
        return problems;
    }

    /** Whether the file could not be read as a mapping at all: then it has no settings to check further. */
    boolean unreadable() {
        return unreadable;
    }
}
