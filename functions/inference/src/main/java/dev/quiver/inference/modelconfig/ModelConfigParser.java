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

    private static final List<String> KEYS = List.of("drift", "fallback", "golden_set", "inline_max_compute_ms",
            "inputs", "instances", "max_batch_size", "max_queue_delay_ms", "monitoring", "output_checks", "outputs",
            "routing", "threads", "timeout_ms", "version_policy");
    private static final List<String> DRIFT_KEYS = List.of("ks_p", "psi", "sample_rate", "window");
    private static final List<String> GOLDEN_SET_KEYS = List.of("interval");
    private static final List<String> ROUTING_KEYS = List.of("aliases", "shadow", "sticky_key", "weights");
    private static final List<String> SHADOW_KEYS = List.of("compare", "share", "version");
    private static final List<String> MONITORING_KEYS = List.of("labels", "max_age", "max_mae",
            "max_prediction_shift", "min_accuracy", "min_labels");
    private static final List<String> OUTPUT_CHECK_KEYS = List.of("failures", "window");
    private static final String FALLBACK_STEPS = "previous_version, {model: name}, {default_outputs: file} or "
            + "{answers: file, key: input}";
    private static final List<String> THREAD_KEYS = List.of("inter_op", "intra_op", "spinning");

    /** @throws InvalidConfigException with every problem found */
    public ModelConfigSpec read(Path file) throws IOException {
        ConfigFile config = ConfigFile.read(file.getFileName().toString(), file);
        ModelConfigSpec spec = parse(config.root());
        config.report(ModelConfigValidator.validate(spec));
        config.requireValid();
        return spec;
    }

    /**
     * Reads a model's {@code routing.json}, which replaces its configuration's routing block as a whole.
     *
     * @throws InvalidConfigException with every problem found
     */
    public RoutingSpec readRouting(Path file) throws IOException {
        ConfigFile config = ConfigFile.read(file.getFileName().toString(), file);
        RoutingSpec spec = config.root().isNull() ? null : routing(config.root());
        if (spec == null) {
            config.problem("", 1, "expected a mapping with aliases, weights, sticky_key, shadow");
        } else {
            config.report(ModelConfigValidator.routing("", spec, null));
        }
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
        Optional<ConfigMapping> checks = setting(settings, "output_checks")
                .flatMap(value -> value.mapping("expected a mapping with failures, window"));
        checks.ifPresent(mapping -> mapping.allowOnly(OUTPUT_CHECK_KEYS));
        Optional<ConfigMapping> drift = setting(settings, "drift")
                .flatMap(value -> value.mapping("expected a mapping with psi, ks_p, window, sample_rate"));
        drift.ifPresent(mapping -> mapping.allowOnly(DRIFT_KEYS));
        Optional<ConfigMapping> golden = setting(settings, "golden_set")
                .flatMap(value -> value.mapping("expected a mapping with interval"));
        golden.ifPresent(mapping -> mapping.allowOnly(GOLDEN_SET_KEYS));
        Optional<ConfigMapping> monitoring = setting(settings, "monitoring")
                .flatMap(value -> value.mapping("expected a mapping with max_age, min_accuracy, max_mae, min_labels, "
                        + "max_prediction_shift, labels"));
        monitoring.ifPresent(mapping -> mapping.allowOnly(MONITORING_KEYS));
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
                setting(settings, "outputs").map(ModelConfigParser::names).orElse(Map.of()),
                setting(settings, "timeout_ms").flatMap(ConfigValue::number).orElse(null),
                setting(settings, "fallback").map(ModelConfigParser::fallback).orElse(List.of()),
                checks.flatMap(mapping -> setting(mapping, "failures")).flatMap(ConfigValue::wholeNumber).orElse(null),
                checks.flatMap(mapping -> setting(mapping, "window")).flatMap(ConfigValue::wholeNumber).orElse(null),
                drift.map(ModelConfigParser::drift).orElse(null),
                golden.flatMap(mapping -> setting(mapping, "interval")).flatMap(ConfigValue::positiveDuration)
                        .orElse(null),
                setting(settings, "routing").map(ModelConfigParser::routing).orElse(null),
                monitoring.map(ModelConfigParser::monitoring).orElse(MonitoringSpec.NONE));
    }

    private static DriftSpec drift(ConfigMapping drift) {
        return new DriftSpec(
                setting(drift, "psi").flatMap(ConfigValue::number).orElse(null),
                setting(drift, "ks_p").flatMap(ConfigValue::number).orElse(null),
                setting(drift, "window").flatMap(ConfigValue::wholeNumber).orElse(null),
                setting(drift, "sample_rate").flatMap(ConfigValue::number).orElse(null));
    }

    private static RoutingSpec routing(ConfigValue value) {
        Optional<ConfigMapping> read = value.mapping("expected a mapping with aliases, weights, sticky_key, shadow");
        if (read.isEmpty()) {
            return null;
        }
        ConfigMapping routing = read.get();
        routing.allowOnly(ROUTING_KEYS);
        Map<String, Long> aliases = new LinkedHashMap<>();
        setting(routing, "aliases").flatMap(v -> v.mapping("expected a mapping of alias to version number"))
                .ifPresent(mapping -> mapping.entries().forEach((alias, version) -> version.wholeNumber(1, Long.MAX_VALUE)
                        .ifPresent(number -> aliases.put(alias, number))));
        Map<String, Long> weights = new LinkedHashMap<>();
        setting(routing, "weights").flatMap(v -> v.mapping("expected a mapping of version or alias to weight"))
                .ifPresent(mapping -> mapping.entries().forEach((target, weight) -> weight
                        .wholeNumber(Long.MIN_VALUE, Long.MAX_VALUE).ifPresent(number -> weights.put(target, number))));
        String stickyKey = setting(routing, "sticky_key").flatMap(ConfigValue::text).orElse(null);
        RoutingSpec.ShadowSpec shadow = setting(routing, "shadow")
                .flatMap(v -> v.mapping("expected a mapping with version, share, compare")).map(mapping -> {
                    mapping.allowOnly(SHADOW_KEYS);
                    return new RoutingSpec.ShadowSpec(
                            mapping.required("version", "name the candidate version or alias")
                                    .flatMap(ConfigValue::text).orElse(null),
                            mapping.required("share", "give the share of requests copied, above 0 and at most 1")
                                    .flatMap(ConfigValue::number).orElse(null),
                            setting(mapping, "compare").flatMap(ConfigValue::text).orElse(null));
                }).orElse(null);
        return new RoutingSpec(aliases, weights, stickyKey, shadow);
    }

    /** A setting written with no value is left to its default, as one left out. */
    private static Optional<ConfigValue> setting(ConfigMapping settings, String key) {
        return settings.get(key).filter(value -> !value.isNull());
    }

    private static MonitoringSpec monitoring(ConfigMapping mapping) {
        return new MonitoringSpec(
                setting(mapping, "max_age").flatMap(ConfigValue::positiveDuration).orElse(null),
                setting(mapping, "min_accuracy").flatMap(ConfigValue::number).orElse(null),
                setting(mapping, "max_mae").flatMap(ConfigValue::number).orElse(null),
                setting(mapping, "min_labels").flatMap(ConfigValue::wholeNumber).orElse(null),
                setting(mapping, "max_prediction_shift").flatMap(ConfigValue::number).orElse(null),
                setting(mapping, "labels").flatMap(ConfigValue::bool).orElse(null));
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

    private static List<FallbackSpec> fallback(ConfigValue value) {
        List<FallbackSpec> steps = new ArrayList<>();
        value.list("expected a list of fallback steps: " + FALLBACK_STEPS).ifPresent(items -> items
                .forEach(item -> fallbackStep(item).ifPresent(steps::add)));
        return steps;
    }

    private static Optional<FallbackSpec> fallbackStep(ConfigValue item) {
        if (item.asText().filter("previous_version"::equals).isPresent()) {
            return Optional.of(new FallbackSpec.PreviousVersion());
        }
        Optional<ConfigMapping> step = item.asMapping();
        if (step.isPresent() && step.get().has("model")) {
            step.get().allowOnly(List.of("model"));
            return step.get().get("model").flatMap(ConfigValue::text).map(FallbackSpec.Model::new);
        }
        if (step.isPresent() && step.get().has("default_outputs")) {
            step.get().allowOnly(List.of("default_outputs"));
            return step.get().get("default_outputs").flatMap(ConfigValue::text).map(FallbackSpec.DefaultOutputs::new);
        }
        if (step.isPresent() && step.get().has("answers")) {
            step.get().allowOnly(List.of("answers", "key"));
            Optional<String> file = step.get().get("answers").flatMap(ConfigValue::text);
            Optional<String> key = step.get().required("key", "name the input whose value keys the answers")
                    .flatMap(ConfigValue::text);
            return file.isPresent() && key.isPresent() ? Optional.of(new FallbackSpec.KeyedAnswers(file.get(),
                    key.get())) : Optional.empty();
        }
        item.expected(FALLBACK_STEPS);
        return Optional.empty();
    }

    private static Map<String, String> names(ConfigValue value) {
        Map<String, String> names = new LinkedHashMap<>();
        value.mapping("expected a mapping of ONNX names to the names callers use").ifPresent(mapping -> mapping
                .entries().forEach((onnxName, name) -> name.asText().ifPresentOrElse(
                        given -> names.put(onnxName, given), () -> name.expected("a name"))));
        return names;
    }
}
