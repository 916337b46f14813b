package dev.quiver.configfile;

import dev.quiver.configfile.ConfigNode.ScalarType;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One value of a configuration file, where it is: its path and line. Each read returns the value as the reader wants
 * it, or empty after adding a problem that names the path, what was expected and what the file holds ({@code
 * expected a whole number from 1, got 0}); text is shown in quotes, numbers and booleans as written.
 */
public final class ConfigValue {

    private final ConfigFile file;
    private final String path;
    private final ConfigNode node;

    ConfigValue(ConfigFile file, String path, ConfigNode node) {
        this.file = file;
        this.path = path;
        this.node = node;
    }

    static String child(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    static String item(String path, int index) {
        return path + "[" + index + "]";
    }

    /** For example {@code steps[2].trigger}; empty for the document itself. */
    public String path() {
        return path;
    }

    public int line() {
        return node.line();
    }

    public ConfigNode node() {
        return node;
    }

    /** Written with no value ({@code key:}) or as {@code null} or {@code ~}. */
    public boolean isNull() {
        return node instanceof ConfigNode.Scalar scalar && scalar.type() == ScalarType.NULL;
    }

    /**
     * The value when YAML takes it as text (quoted, or plain and not a number, boolean or null), for a value that may
     * be written in more than one shape; adds no problem when it is not text.
     */
    public Optional<String> asText() {
        return node instanceof ConfigNode.Scalar scalar && scalar.type() == ScalarType.TEXT ? Optional.of(scalar.text())
                : Optional.empty();
    }

    /** How messages show the value: text in quotes, numbers and booleans as written, "a mapping", "a list". */
    public String shown() {
        return node.shown();
    }

    /** Adds a problem at this value's path and line. */
    public void problem(String message) {
        file.problem(path, line(), message);
    }

    /** Adds "expected {@code what}, got ..." at this value. */
    public void expected(String what) {
        problem("expected " + what + ", got " + shown());
    }

    /** The mapping, for a value that may be written in more than one shape; adds no problem when it is not one. */
    public Optional<ConfigMapping> asMapping() {
        return node instanceof ConfigNode.Mapping mapping ? Optional.of(new ConfigMapping(file, path, mapping))
                : Optional.empty();
    }

    /** @param problem the whole message when the value is not a mapping */
    public Optional<ConfigMapping> mapping(String problem) {
        Optional<ConfigMapping> mapping = asMapping();
        if (mapping.isEmpty()) {
            problem(problem);
        }
        return mapping;
    }

    /** The items, each at {@code path[i]}. @param problem the whole message when the value is not a list */
    public Optional<List<ConfigValue>> list(String problem) {
        if (node instanceof ConfigNode.Sequence sequence) {
            List<ConfigValue> items = new ArrayList<>();
            for (int i = 0; i < sequence.items().size(); i++) {
                items.add(new ConfigValue(file, item(path, i), sequence.items().get(i)));
            }
            return Optional.of(items);
        }
        problem(problem);
        return Optional.empty();
    }

    /** Any scalar but null, as written ({@code 1.10} stays {@code "1.10"}), and not blank. */
    public Optional<String> text() {
        if (node instanceof ConfigNode.Scalar scalar && scalar.type() != ScalarType.NULL && !scalar.text().isBlank()) {
            return Optional.of(scalar.text());
        }
        expected("a text value");
        return Optional.empty();
    }

    /** A whole number in the range of {@code int}. */
    public Optional<Integer> wholeNumber() {
        return wholeNumber(Integer.MIN_VALUE);
    }

    /** A whole number from {@code minimum} up to the largest {@code int}. */
    public Optional<Integer> wholeNumber(int minimum) {
        return wholeNumber(minimum, Integer.MAX_VALUE).map(Long::intValue);
    }

    /**
     * A whole number from {@code minimum} to {@code maximum}; the message names the bounds that are not those of
     * {@code int} or {@code long}.
     */
    public Optional<Long> wholeNumber(long minimum, long maximum) {
        if (node instanceof ConfigNode.Scalar scalar && scalar.value() instanceof Long value && value >= minimum
                && value <= maximum) {
            return Optional.of(value);
        }
        boolean from = minimum != Integer.MIN_VALUE && minimum != Long.MIN_VALUE;
        boolean to = maximum != Integer.MAX_VALUE && maximum != Long.MAX_VALUE;
        expected("a whole number" + (from ? " from " + minimum : "") + (to ? " to " + maximum : ""));
        return Optional.empty();
    }

    /** A finite number, whole or not. */
    public Optional<Double> number() {
        return number(Double.NEGATIVE_INFINITY, true);
    }

    /** A finite number above {@code minimum}, or from it when {@code inclusive}. */
    public Optional<Double> number(double minimum, boolean inclusive) {
        if (node instanceof ConfigNode.Scalar scalar && scalar.value() instanceof Number number) {
            double value = number.doubleValue();
            if (Double.isFinite(value) && (inclusive ? value >= minimum : value > minimum)) {
                return Optional.of(value);
            }
        }
        expected(minimum == Double.NEGATIVE_INFINITY ? "a number" : "a number " + (inclusive ? "from " : "above ")
                + BigDecimal.valueOf(minimum).stripTrailingZeros().toPlainString());
        return Optional.empty();
    }

    public Optional<Boolean> bool() {
        if (node instanceof ConfigNode.Scalar scalar && scalar.value() instanceof Boolean value) {
            return Optional.of(value);
        }
        expected("true or false");
        return Optional.empty();
    }

    /** A duration in {@link DurationText}'s grammar, zero included. */
    public Optional<Duration> duration() {
        Optional<Duration> duration = asText().flatMap(DurationText::parse);
        if (duration.isEmpty()) {
            expected("a duration such as " + DurationText.FORMS);
        }
        return duration;
    }

    /** A duration in {@link DurationText}'s grammar, longer than zero. */
    public Optional<Duration> positiveDuration() {
        Optional<Duration> duration = asText().flatMap(DurationText::parse).filter(Duration::isPositive);
        if (duration.isEmpty()) {
            expected("a positive duration such as " + DurationText.FORMS);
        }
        return duration;
    }

    /**
     * The value as plain Java values, for settings passed on as they are (a step's parameters): {@link String},
     * {@link Long} (or {@link BigInteger}), {@link Double}, {@link Boolean}, null, {@link List} and {@link Map} (in
     * file order). A block that aliases share is converted once and shared.
     */
    public Object plain() {
        return plain(node, new IdentityHashMap<>());
    }

    private static Object plain(ConfigNode node, Map<ConfigNode, Object> converted) {
        Object done = converted.get(node);
        if (done != null) {
            return done;
        }
        Object value = switch (node) {
            case ConfigNode.Scalar scalar -> scalar.value();
            case ConfigNode.Sequence sequence -> {
                List<Object> items = new ArrayList<>();
                sequence.items().forEach(item -> items.add(plain(item, converted)));
                yield items;
            }
            case ConfigNode.Mapping mapping -> {
                Map<String, Object> entries = new LinkedHashMap<>();
                mapping.entries().forEach(entry -> entries.putIfAbsent(entry.key(), plain(entry.value(), converted)));
                yield entries;
            }
        };
        if (value != null && !(node instanceof ConfigNode.Scalar)) {
            converted.put(node, value);
        }
        return value;
    }
}
