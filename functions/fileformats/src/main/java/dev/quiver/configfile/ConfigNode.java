package dev.quiver.configfile;

import java.util.List;

/**
 * A configuration file as a tree that remembers where each part is written: what Jackson's own tree model forgets.
 * Scalars keep the text as written beside the value YAML resolves it to, so that {@code owner: yes} can still be read
 * as the text {@code yes} and {@code id: 012345678901} keeps its leading zero.
 */
public sealed interface ConfigNode permits ConfigNode.Scalar, ConfigNode.Mapping, ConfigNode.Sequence {

    /** The line the node starts on, from 1. */
    int line();

    /** How a message shows the node after "got". */
    String shown();

    /** What YAML (or JSON) resolved a scalar to. */
    enum ScalarType { TEXT, INTEGER, DECIMAL, BOOLEAN, NULL }

    /**
     * @param text  as written, without quotes
     * @param value a {@link String}, a {@link Long} (a {@link java.math.BigInteger} when it does not fit), a
     *              {@link Double}, a {@link Boolean}, or null
     */
    record Scalar(ScalarType type, String text, Object value, int line) implements ConfigNode {

        @Override
        public String shown() {
            return switch (type) {
                case TEXT -> "\"" + text + "\"";
                case NULL -> "nothing";
                default -> text;
            };
        }
    }

    /** The entries in the order they are written, a key given twice included (reading reports it). */
    record Mapping(List<Entry> entries, int line) implements ConfigNode {

        public Mapping {
            entries = List.copyOf(entries);
        }

        @Override
        public String shown() {
            return "a mapping";
        }
    }

    /** @param line where the key is written */
    record Entry(String key, int line, ConfigNode value) {
    }

    record Sequence(List<ConfigNode> items, int line) implements ConfigNode {

        public Sequence {
            items = List.copyOf(items);
        }

        @Override
        public String shown() {
            return "a list";
        }
    }
}
