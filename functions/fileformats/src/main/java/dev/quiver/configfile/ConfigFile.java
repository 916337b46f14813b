package dev.quiver.configfile;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A configuration file being read: its tree, with the line of every part, and every problem found in it so far.
 *
 * <p>A reader walks the file from {@link #root()}; each step of the walk knows its path ({@code steps[2].depends[0]})
 * and line, and a value that is not what the reader expects adds a problem instead of stopping the walk. The reader
 * then {@link #report}s what its validator found and calls {@link #requireValid()}: the file is refused with every
 * problem at once, each with its path and line.
 *
 * <pre>
 * ConfigFile file = ConfigFile.yaml("pipeline digits.yaml", text);
 * Optional&lt;ConfigMapping&gt; top = file.root().mapping("expected a mapping with pipeline, version and steps");
 * ...
 * file.report(PipelineValidator.validate(spec));
 * file.requireValid();
 * </pre>
 */
public final class ConfigFile {

    private static final YAMLFactory YAML = new YAMLFactory();
    private static final JsonFactory JSON = new JsonFactory();

    private final String source;
    private final ConfigNode root;
    private final List<ConfigProblem> problems;

    private ConfigFile(String source, ConfigNode root, List<ConfigProblem> problems) {
        this.source = source;
        this.root = root;
        this.problems = problems;
    }

    /**
     * @param source names the file in messages, for example {@code pipeline digits.yaml}
     * @throws InvalidConfigException when the text is not YAML
     */
    public static ConfigFile yaml(String source, String text) {
        return parse(source, text, YAML, "YAML");
    }

    /** @throws InvalidConfigException when the text is not JSON */
    public static ConfigFile json(String source, String text) {
        return parse(source, text, JSON, "JSON");
    }

    /**
     * Reads {@code file} as JSON when its name ends with {@code .json}, as YAML otherwise.
     *
     * @throws InvalidConfigException when the file is not valid in its format
     */
    public static ConfigFile read(String source, Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        return file.getFileName().toString().endsWith(".json") ? json(source, text) : yaml(source, text);
    }

    private static ConfigFile parse(String source, String text, JsonFactory factory, String format) {
        List<ConfigProblem> problems = new ArrayList<>();
        try {
            return new ConfigFile(source, ConfigTreeBuilder.build(source, factory.createParser(text), format,
                    problems), problems);
        } catch (IOException e) {
            throw new IllegalStateException("a parser over text in memory: " + e.getMessage(), e);
        }
    }

    /** The document; an empty file is a null scalar. */
    public ConfigValue root() {
        return new ConfigValue(this, "", root);
    }

    /** Adds a problem; a blank path is the file as a whole. */
    public void problem(String path, int line, String message) {
        problems.add(new ConfigProblem(path.isEmpty() ? ConfigProblem.WHOLE_FILE : path, line, message));
    }

    /** Adds a validator's errors, each on the line its path is written on (the nearest part of it that is). */
    public void report(List<FieldError> errors) {
        errors.forEach(error -> problem(error.path(), lineOf(error.path()), error.message()));
    }

    public boolean valid() {
        return problems.isEmpty();
    }

    public List<ConfigProblem> problems() {
        return List.copyOf(problems);
    }

    /** @throws InvalidConfigException with every problem found, when there is one */
    public void requireValid() {
        if (!problems.isEmpty()) {
            throw new InvalidConfigException(source, problems);
        }
    }

    /**
     * The line {@code path} is written on: of the key for a mapping entry, of the item for a list item. Where the
     * path goes further than the file (a setting left out), the line of the last part of it that is written.
     */
    public int lineOf(String path) {
        ConfigNode node = root;
        int line = root.line();
        String rest = path;
        while (!rest.isEmpty()) {
            if (rest.startsWith("[") && node instanceof ConfigNode.Sequence sequence) {
                int close = rest.indexOf(']');
                int index = close < 0 ? -1 : parseIndex(rest.substring(1, close));
                if (index < 0 || index >= sequence.items().size()) {
                    break;
                }
                node = sequence.items().get(index);
                line = node.line();
                rest = rest.substring(close + 1);
            } else if (node instanceof ConfigNode.Mapping mapping) {
                Optional<ConfigNode.Entry> entry = longestKeyAt(mapping, rest);
                if (entry.isEmpty()) {
                    break;
                }
                node = entry.get().value();
                line = entry.get().line();
                rest = rest.substring(entry.get().key().length());
            } else {
                break;
            }
            if (rest.startsWith(".")) {
                rest = rest.substring(1);
            }
        }
        return line;
    }

    /** The entry whose key starts {@code path}; the longest, since a key may itself hold a dot. */
    private static Optional<ConfigNode.Entry> longestKeyAt(ConfigNode.Mapping mapping, String path) {
        ConfigNode.Entry found = null;
        for (ConfigNode.Entry entry : mapping.entries()) {
            String key = entry.key();
            boolean starts = path.equals(key) || path.startsWith(key + ".") || path.startsWith(key + "[");
            if (starts && (found == null || key.length() > found.key().length())) {
                found = entry;
            }
        }
        return Optional.ofNullable(found);
    }

    private static int parseIndex(String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
