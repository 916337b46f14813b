package dev.quiver.inference.modelconfig;

import dev.quiver.configfile.ConfigFile;
import dev.quiver.configfile.ConfigMapping;
import dev.quiver.configfile.ConfigNode;
import dev.quiver.configfile.ConfigValue;
import dev.quiver.configfile.InvalidConfigException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads a model configuration file ({@code config.json} as JSON, {@code config.yaml} as YAML) into a
 * {@link ModelConfigSpec}. Structure is checked here (known keys, types); value rules are
 * {@link ModelConfigValidator}'s. Every problem is collected, each with its path and line.
 */
public final class ModelConfigParser {

    private static final List<String> KEYS = List.of("inline_max_compute_ms", "inputs", "instances", "max_batch_size",
            "max_queue_delay_ms", "outputs", "threads", "version_policy");
    private static final List<String> THREAD_KEYS = List.of("inter_op", "intra_op", "spinning");

    /** @throws InvalidConfigException with every problem found */
    public ModelConfigSpec read(Path file) throws IOException {
        ConfigFile config = ConfigFile.read(file.getFileName().toString(), file);
        ModelConfigSpec spec = parse(config.root());
        config.report(ModelConfigValidator.validate(spec));
        config.requireValid();
        return spec;
    }

    private static ModelConfigSpec parse(ConfigValue root) {
        if (root.isNull()) {
            return ModelConfigSpec.empty();
        }
        Optional<ConfigMapping> read = root.mapping("expected a mapping of settings at the top level");
        if (read.isEmpty()) {
            return ModelConfigSpec.empty();
        }
        ConfigMapping settings = read.get();
        settings.allowOnly(KEYS);
        Optional<ConfigMapping> threads = setting(settings, "threads")
                .flatMap(value -> value.mapping("expected a mapping with intra_op, inter_op, spinning"));
        threads.ifPresent(mapping -> mapping.allowOnly(THREAD_KEYS));
        return new ModelConfigSpec(
                setting(settings, "version_policy").flatMap(ModelConfigParser::versionPolicy).orElse(null),
                setting(settings, "max_batch_size").flatMap(ConfigValue::wholeNumber).orElse(null),
                setting(settings, "max_queue_delay_ms").flatMap(ConfigValue::number).orElse(null),
                setting(settings, "inline_max_compute_ms").flatMap(ConfigValue::number).orElse(null),
                setting(settings, "instances").flatMap(ConfigValue::wholeNumber).orElse(null),
                threads.flatMap(mapping -> setting(mapping, "intra_op")).flatMap(ConfigValue::wholeNumber).orElse(null),
                threads.flatMap(mapping -> setting(mapping, "inter_op")).flatMap(ConfigValue::wholeNumber).orElse(null),
                threads.flatMap(mapping -> setting(mapping, "spinning")).flatMap(ConfigValue::bool).orElse(null),
                setting(settings, "inputs").map(ModelConfigParser::names).orElse(Map.of()),
                setting(settings, "outputs").map(ModelConfigParser::names).orElse(Map.of()));
    }

    /** A setting written with no value is left to its default, as one left out. */
    private static Optional<ConfigValue> setting(ConfigMapping settings, String key) {
        return settings.get(key).filter(value -> !value.isNull());
    }

    private static Optional<VersionPolicy> versionPolicy(ConfigValue value) {
        if (value.asText().filter("all"::equals).isPresent()) {
            return Optional.of(new VersionPolicy.All());
        }
        Optional<ConfigMapping> policy = value.asMapping().filter(mapping -> mapping.entries().size() == 1);
        Optional<ConfigValue> latest = policy.flatMap(mapping -> mapping.get("latest"));
        Optional<ConfigValue> specific = policy.flatMap(mapping -> mapping.get("specific"));
        if (latest.isPresent()) {
            return latest.get().wholeNumber().map(VersionPolicy.Latest::new);
        }
        if (specific.isPresent()) {
            return specific.get().list("expected a list of version numbers").flatMap(ModelConfigParser::versions);
        }
        value.problem("expected {latest: N}, {specific: [versions]} or all");
        return Optional.empty();
    }

    private static Optional<VersionPolicy> versions(List<ConfigValue> items) {
        List<Long> versions = new ArrayList<>();
        for (ConfigValue item : items) {
            if (item.node() instanceof ConfigNode.Scalar scalar && scalar.value() instanceof Long version) {
                versions.add(version);
            } else {
                item.expected("a version number");
            }
        }
        return versions.size() == items.size() ? Optional.of(new VersionPolicy.Specific(versions)) : Optional.empty();
    }

    private static Map<String, String> names(ConfigValue value) {
        Map<String, String> names = new LinkedHashMap<>();
        value.mapping("expected a mapping of ONNX names to the names callers use").ifPresent(mapping -> mapping
                .entries().forEach((onnxName, name) -> name.asText().ifPresentOrElse(
                        given -> names.put(onnxName, given), () -> name.expected("a name"))));
        return names;
    }
}
