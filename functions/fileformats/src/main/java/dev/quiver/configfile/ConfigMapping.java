package dev.quiver.configfile;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A mapping of a configuration file, read by key. A key given twice is reported when the file is read. */
public final class ConfigMapping {

    private final ConfigFile file;
    private final String path;
    private final ConfigNode.Mapping mapping;

    ConfigMapping(ConfigFile file, String path, ConfigNode.Mapping mapping) {
        this.file = file;
        this.path = path;
        this.mapping = mapping;
    }

    /** The mapping as a value: its path and line, for problems about it as a whole. */
    public ConfigValue value() {
        return new ConfigValue(file, path, mapping);
    }

    /** Adds "unknown setting; expected one of ..." at each key not in {@code known}, listed in the order given. */
    public void allowOnly(List<String> known) {
        allowOnly(known, "unknown setting");
    }

    /**
     * Adds "{@code refusal}; expected one of ..." at each key not in {@code known}: for a refusal that says more, such
     * as "unknown setting for mode argo".
     */
    public void allowOnly(List<String> known, String refusal) {
        for (ConfigNode.Entry entry : mapping.entries()) {
            if (!known.contains(entry.key())) {
                file.problem(ConfigValue.child(path, entry.key()), entry.line(), refusal + "; expected one of "
                        + String.join(", ", known));
            }
        }
    }

    public boolean has(String key) {
        return find(key).isPresent();
    }

    /** The value of {@code key}, null values included; empty when the key is not written. */
    public Optional<ConfigValue> get(String key) {
        return find(key).map(entry -> new ConfigValue(file, ConfigValue.child(path, key), entry.value()));
    }

    /** Like {@link #get}, with a problem at the key's path and the mapping's line when it is not written. */
    public Optional<ConfigValue> required(String key, String problem) {
        Optional<ConfigValue> value = get(key);
        if (value.isEmpty()) {
            file.problem(ConfigValue.child(path, key), mapping.line(), problem);
        }
        return value;
    }

    /** Every entry in file order, each value at {@code path.key}; of a key given twice, the first. */
    public Map<String, ConfigValue> entries() {
        Map<String, ConfigValue> entries = new LinkedHashMap<>();
        for (ConfigNode.Entry entry : mapping.entries()) {
            entries.putIfAbsent(entry.key(), new ConfigValue(file, ConfigValue.child(path, entry.key()),
                    entry.value()));
        }
        return entries;
    }

    private Optional<ConfigNode.Entry> find(String key) {
        return mapping.entries().stream().filter(entry -> entry.key().equals(key)).findFirst();
    }
}
