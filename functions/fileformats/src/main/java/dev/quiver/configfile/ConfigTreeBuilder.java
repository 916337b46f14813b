package dev.quiver.configfile;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import com.fasterxml.jackson.dataformat.yaml.snakeyaml.error.MarkedYAMLException;
import dev.quiver.configfile.ConfigNode.ScalarType;
import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds a {@link ConfigNode} tree from a Jackson parser's tokens and their locations. Reports what the tokens alone
 * allow (a key given twice, an alias with no anchor, a second document) and leaves every other rule to the reader.
 */
final class ConfigTreeBuilder {

    /**
     * Aliases a file may use (Jackson resolves anchors on mappings and lists only), as SnakeYAML allows by default:
     * enough for sharing a block, too few for a "billion laughs" document.
     */
    static final int MAX_ALIASES = 50;

    private final JsonParser parser;
    private final String format;
    private final List<ConfigProblem> problems;
    private final Map<String, ConfigNode> anchors = new HashMap<>();
    private int aliases;

    private ConfigTreeBuilder(JsonParser parser, String format, List<ConfigProblem> problems) {
        this.parser = parser;
        this.format = format;
        this.problems = problems;
    }

    /**
     * The tree of the one document the parser reads; an empty document is a null scalar on line 1.
     *
     * @param format names the syntax in the message of a file that has none ("YAML", "JSON")
     * @throws InvalidConfigException when the text is not valid in {@code format}: nothing else can be read then
     */
    static ConfigNode build(String source, JsonParser parser, String format, List<ConfigProblem> problems) {
        ConfigTreeBuilder builder = new ConfigTreeBuilder(parser, format, problems);
        try (parser) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                return new ConfigNode.Scalar(ScalarType.NULL, "", null, 1);
            }
            ConfigNode root = builder.node(first, "");
            if (parser.nextToken() != null) {
                problems.add(new ConfigProblem(ConfigProblem.WHOLE_FILE, builder.line(),
                        "a second document; a configuration file holds one"));
            }
            return root;
        } catch (JsonProcessingException e) {
            throw new InvalidConfigException(source, List.of(builder.syntaxProblem(e)));
        } catch (IOException e) {
            throw new IllegalStateException("reading text held in memory: " + e.getMessage(), e);
        }
    }

    private ConfigNode node(JsonToken token, String path) throws IOException {
        int line = line();
        Object anchor = parser.getObjectId();
        ConfigNode node = switch (token) {
            case START_OBJECT -> mapping(path, line);
            case START_ARRAY -> sequence(path, line);
            default -> parser instanceof YAMLParser yaml && yaml.isCurrentAlias() ? alias(path, line) : scalar(token,
                    line);
        };
        if (anchor instanceof String name) {
            anchors.put(name, node);
        }
        return node;
    }

    private ConfigNode mapping(String path, int line) throws IOException {
        List<ConfigNode.Entry> entries = new ArrayList<>();
        Set<String> keys = new HashSet<>();
        for (JsonToken token = parser.nextToken(); token != JsonToken.END_OBJECT; token = parser.nextToken()) {
            String key = parser.currentName();
            int keyLine = line();
            String keyPath = ConfigValue.child(path, key);
            if (!keys.add(key)) {
                problems.add(new ConfigProblem(keyPath, keyLine, "given twice"));
            }
            entries.add(new ConfigNode.Entry(key, keyLine, node(parser.nextToken(), keyPath)));
        }
        return new ConfigNode.Mapping(entries, line);
    }

    private ConfigNode sequence(String path, int line) throws IOException {
        List<ConfigNode> items = new ArrayList<>();
        for (JsonToken token = parser.nextToken(); token != JsonToken.END_ARRAY; token = parser.nextToken()) {
            items.add(node(token, ConfigValue.item(path, items.size())));
        }
        return new ConfigNode.Sequence(items, line);
    }

    private ConfigNode alias(String path, int line) throws IOException {
        String name = parser.getText();
        ConfigNode target = anchors.get(name);
        if (target == null) {
            problems.add(new ConfigProblem(path, line, "alias *" + name + " names no mapping or list anchored &"
                    + name + " before it (a single value cannot be aliased: write it again)"));
            return new ConfigNode.Scalar(ScalarType.NULL, "*" + name, null, line);
        }
        if (++aliases > MAX_ALIASES) {
            problems.add(new ConfigProblem(path, line, "more than " + MAX_ALIASES + " aliases"));
            return new ConfigNode.Scalar(ScalarType.NULL, "*" + name, null, line);
        }
        return target;
    }

    private ConfigNode.Scalar scalar(JsonToken token, int line) throws IOException {
        String text = parser.getText();
        return switch (token) {
            case VALUE_NUMBER_INT -> integer(text, line);
            case VALUE_NUMBER_FLOAT -> decimal(text, line);
            case VALUE_TRUE, VALUE_FALSE -> new ConfigNode.Scalar(ScalarType.BOOLEAN, text,
                    token == JsonToken.VALUE_TRUE, line);
            case VALUE_NULL -> new ConfigNode.Scalar(ScalarType.NULL, text, null, line);
            default -> new ConfigNode.Scalar(ScalarType.TEXT, text, text, line);
        };
    }

    private ConfigNode.Scalar integer(String text, int line) throws IOException {
        try {
            Number number = parser.getNumberValue();
            Object value = number instanceof BigInteger big && big.bitLength() >= Long.SIZE ? big : number.longValue();
            return new ConfigNode.Scalar(ScalarType.INTEGER, text, value, line);
        } catch (JsonProcessingException | NumberFormatException e) {
            return new ConfigNode.Scalar(ScalarType.TEXT, text, text, line);
        }
    }

    /** YAML's {@code .inf} and {@code .nan}, which Jackson marks as numbers but does not convert. */
    private ConfigNode.Scalar decimal(String text, int line) throws IOException {
        Double special = switch (text) {
            case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF" -> Double.POSITIVE_INFINITY;
            case "-.inf", "-.Inf", "-.INF" -> Double.NEGATIVE_INFINITY;
            case ".nan", ".NaN", ".NAN" -> Double.NaN;
            default -> null;
        };
        if (special != null) {
            return new ConfigNode.Scalar(ScalarType.DECIMAL, text, special, line);
        }
        try {
            return new ConfigNode.Scalar(ScalarType.DECIMAL, text, parser.getDoubleValue(), line);
        } catch (JsonProcessingException | NumberFormatException e) {
            return new ConfigNode.Scalar(ScalarType.TEXT, text, text, line);
        }
    }

    private ConfigProblem syntaxProblem(JsonProcessingException e) {
        if (e instanceof MarkedYAMLException marked && marked.getProblemMark() != null) {
            return new ConfigProblem(ConfigProblem.WHOLE_FILE, marked.getProblemMark().getLine() + 1,
                    "not valid " + format + ": " + marked.getProblem());
        }
        int line = e.getLocation() == null ? 1 : Math.max(1, e.getLocation().getLineNr());
        return new ConfigProblem(ConfigProblem.WHOLE_FILE, line, "not valid " + format + ": " + e.getOriginalMessage());
    }

    private int line() {
        return Math.max(1, parser.currentTokenLocation().getLineNr());
    }
}
