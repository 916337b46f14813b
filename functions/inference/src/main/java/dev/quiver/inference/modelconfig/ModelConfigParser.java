package dev.quiver.inference.modelconfig;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a model configuration file into a {@link ModelConfigSpec}. Structure is checked here (known keys, types);
 * value rules are {@link ModelConfigValidator}'s. Every problem is collected, each with its path.
 */
public final class ModelConfigParser {

    private static final Set<String> KEYS = Set.of("version_policy", "max_batch_size", "max_queue_delay_ms",
            "inline_max_compute_ms", "instances", "threads", "inputs", "outputs");
    private static final Set<String> THREAD_KEYS = Set.of("intra_op", "inter_op", "spinning");

    private final ObjectMapper json;
    private final ObjectMapper yaml = new YAMLMapper();

    public ModelConfigParser(ObjectMapper json) {
        this.json = json;
    }

    public ModelConfigSpec read(Path file) throws IOException {
        String name = file.getFileName().toString();
        JsonNode tree;
        try {
            tree = (name.endsWith(".json") ? json : yaml).readTree(Files.readAllBytes(file));
        } catch (JsonProcessingException e) {
            throw new InvalidModelConfigException(file, List.of("not valid " + (name.endsWith(".json") ? "JSON" : "YAML")
                    + ": " + e.getOriginalMessage()));
        }
        List<String> problems = new ArrayList<>();
        ModelConfigSpec spec = parse(tree, problems);
        problems.addAll(ModelConfigValidator.validate(spec));
        if (!problems.isEmpty()) {
            throw new InvalidModelConfigException(file, problems);
        }
        return spec;
    }

    static ModelConfigSpec parse(JsonNode tree, List<String> problems) {
        if (tree == null || tree.isMissingNode() || tree.isNull()) {
            return ModelConfigSpec.empty();
        }
        if (!tree.isObject()) {
            problems.add("expected a mapping of settings at the top level");
            return ModelConfigSpec.empty();
        }
        unknownKeys(tree, "", KEYS, problems);
        JsonNode threads = tree.path("threads");
        if (!threads.isMissingNode() && !threads.isObject()) {
            problems.add("threads: expected a mapping with intra_op, inter_op, spinning");
        } else {
            unknownKeys(threads, "threads.", THREAD_KEYS, problems);
        }
        return new ModelConfigSpec(
                versionPolicy(tree.path("version_policy"), problems),
                integer(tree.path("max_batch_size"), "max_batch_size", problems),
                number(tree.path("max_queue_delay_ms"), "max_queue_delay_ms", problems),
                number(tree.path("inline_max_compute_ms"), "inline_max_compute_ms", problems),
                integer(tree.path("instances"), "instances", problems),
                integer(threads.path("intra_op"), "threads.intra_op", problems),
                integer(threads.path("inter_op"), "threads.inter_op", problems),
                bool(threads.path("spinning"), "threads.spinning", problems),
                names(tree.path("inputs"), "inputs", problems),
                names(tree.path("outputs"), "outputs", problems));
    }

    private static VersionPolicy versionPolicy(JsonNode node, List<String> problems) {
        if (node.isMissingNode() || node.isNull()) {
            return null;
        }
        if (node.isTextual() && node.asText().equals("all")) {
            return new VersionPolicy.All();
        }
        String expected = "version_policy: expected {latest: N}, {specific: [versions]} or all";
        if (!node.isObject() || node.size() != 1) {
            problems.add(expected);
            return null;
        }
        if (node.has("latest")) {
            Integer count = integer(node.get("latest"), "version_policy.latest", problems);
            return count == null ? null : new VersionPolicy.Latest(count);
        }
        if (node.has("specific")) {
            JsonNode versions = node.get("specific");
            if (!versions.isArray()) {
                problems.add("version_policy.specific: expected a list of version numbers");
                return null;
            }
            List<Long> list = new ArrayList<>();
            for (int i = 0; i < versions.size(); i++) {
                JsonNode v = versions.get(i);
                if (!v.canConvertToExactIntegral() || !v.isNumber()) {
                    problems.add("version_policy.specific[" + i + "]: expected a version number, got " + v);
                } else {
                    list.add(v.asLong());
                }
            }
            return list.size() == versions.size() ? new VersionPolicy.Specific(list) : null;
        }
        problems.add(expected);
        return null;
    }

    private static Integer integer(JsonNode node, String path, List<String> problems) {
        if (node.isMissingNode() || node.isNull()) {
            return null;
        }
        if (!node.isNumber() || !node.canConvertToExactIntegral() || !node.canConvertToInt()) {
            problems.add(path + ": expected a whole number, got " + node);
            return null;
        }
        return node.asInt();
    }

    private static Double number(JsonNode node, String path, List<String> problems) {
        if (node.isMissingNode() || node.isNull()) {
            return null;
        }
        if (!node.isNumber()) {
            problems.add(path + ": expected a number, got " + node);
            return null;
        }
        return node.asDouble();
    }

    private static Boolean bool(JsonNode node, String path, List<String> problems) {
        if (node.isMissingNode() || node.isNull()) {
            return null;
        }
        if (!node.isBoolean()) {
            problems.add(path + ": expected true or false, got " + node);
            return null;
        }
        return node.asBoolean();
    }

    private static Map<String, String> names(JsonNode node, String path, List<String> problems) {
        Map<String, String> names = new LinkedHashMap<>();
        if (node.isMissingNode() || node.isNull()) {
            return names;
        }
        if (!node.isObject()) {
            problems.add(path + ": expected a mapping of ONNX names to the names callers use");
            return names;
        }
        node.properties().forEach(entry -> {
            if (!entry.getValue().isTextual()) {
                problems.add(path + "." + entry.getKey() + ": expected a name, got " + entry.getValue());
            } else {
                names.put(entry.getKey(), entry.getValue().asText());
            }
        });
        return names;
    }

    private static void unknownKeys(JsonNode node, String prefix, Set<String> known, List<String> problems) {
        node.fieldNames().forEachRemaining(key -> {
            if (!known.contains(key)) {
                problems.add(prefix + key + ": unknown setting; expected one of " + known.stream().sorted().toList());
            }
        });
    }
}
