package dev.quiver.orchestration.pipeline;

import dev.quiver.orchestration.retry.backoff.BackoffPolicy;
import dev.quiver.orchestration.retry.backoff.BackoffPolicyReader;
import java.io.StringReader;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads a pipeline file into a {@link PipelineSpec}, filling in the defaults, then hands it to the
 * {@link PipelineValidator}. Every problem is reported at once, each with its path and line, so a user fixes a file in
 * one go: {@code line 14, steps[2].depends[0]: unknown step "trian"; expected one of ingest, train}.
 *
 * <pre>
 * pipeline: churn-models
 * version: 3
 * steps:
 *   - name: train
 *     executor: process
 *     depends: [ingest]
 *     for-each: [{model: forest}, {model: boosted}]
 *     resources: {cpu: 2, memory: 4Gi}
 * </pre>
 */
public final class PipelineParser {

    private static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");
    private static final Pattern CPU = Pattern.compile("(\\d+(?:\\.\\d+)?)(m?)");
    private static final Set<String> PIPELINE_KEYS = Set.of("pipeline", "version", "description", "steps");
    private static final Set<String> STEP_KEYS = Set.of("name", "executor", "params", "resources", "depends",
            "trigger", "for-each", "memoize", "retry", "deadline", "priority", "retrigger");

    private final List<PipelineProblem> problems = new ArrayList<>();

    private PipelineParser() {
    }

    /**
     * @param source names the file in the exception's message
     * @throws InvalidPipelineException with every problem found
     */
    public static PipelineSpec parse(String source, String yaml) {
        PipelineParser parser = new PipelineParser();
        Optional<PipelineSpec> spec = parser.read(yaml);
        if (spec.isPresent() && parser.problems.isEmpty()) {
            parser.problems.addAll(PipelineValidator.validate(spec.get()));
        }
        if (!parser.problems.isEmpty()) {
            throw new InvalidPipelineException(source, parser.problems);
        }
        return spec.orElseThrow();
    }

    private Optional<PipelineSpec> read(String yaml) {
        Node root;
        try {
            root = new Yaml(new LoaderOptions()).compose(new StringReader(yaml));
        } catch (MarkedYAMLException e) {
            problems.add(new PipelineProblem("(file)", e.getProblemMark().getLine() + 1,
                    "not valid YAML: " + e.getProblem()));
            return Optional.empty();
        } catch (YAMLException e) {
            problems.add(new PipelineProblem("(file)", 1, "not valid YAML: " + e.getMessage()));
            return Optional.empty();
        }
        if (!(root instanceof MappingNode mapping)) {
            problems.add(new PipelineProblem("(file)", root == null ? 1 : line(root),
                    "expected a mapping with pipeline, version and steps"));
            return Optional.empty();
        }
        Map<String, Node> fields = fields(mapping, "", PIPELINE_KEYS);
        String name = name(fields, "pipeline", "", mapping);
        int version = integer(fields.get("version"), "version", 1).orElseGet(() -> {
            if (!fields.containsKey("version")) {
                problems.add(new PipelineProblem("version", line(mapping), "required, a whole number from 1"));
            }
            return 0;
        });
        Optional<String> description = Optional.ofNullable(fields.get("description")).flatMap(node ->
                text(node, "description"));
        List<StepSpec> steps = new ArrayList<>();
        Node stepsNode = fields.get("steps");
        if (stepsNode == null) {
            problems.add(new PipelineProblem("steps", line(mapping), "required, a list of steps"));
        } else if (!(stepsNode instanceof SequenceNode sequence) || sequence.getValue().isEmpty()) {
            problems.add(new PipelineProblem("steps", line(stepsNode), "expected a list of at least one step"));
        } else {
            for (int i = 0; i < sequence.getValue().size(); i++) {
                step(sequence.getValue().get(i), "steps[" + i + "]").ifPresent(steps::add);
            }
        }
        return Optional.of(new PipelineSpec(name, version, description, steps));
    }

    private Optional<StepSpec> step(Node node, String path) {
        if (!(node instanceof MappingNode mapping)) {
            problems.add(new PipelineProblem(path, line(node), "expected a mapping with at least name and executor"));
            return Optional.empty();
        }
        Map<String, Node> fields = fields(mapping, path + ".", STEP_KEYS);
        String name = name(fields, "name", path + ".", mapping);
        ExecutorKind executor = null;
        Node executorNode = fields.get("executor");
        if (executorNode == null) {
            problems.add(new PipelineProblem(path + ".executor", line(mapping), "required, one of "
                    + ExecutorKind.names()));
        } else {
            Optional<String> given = text(executorNode, path + ".executor");
            if (given.isPresent()) {
                executor = ExecutorKind.fromYaml(given.get()).orElse(null);
                if (executor == null) {
                    problems.add(new PipelineProblem(path + ".executor", line(executorNode), "unknown executor \""
                            + given.get() + "\"; expected one of " + ExecutorKind.names()));
                }
            }
        }
        Map<String, Object> params = Optional.ofNullable(fields.get("params"))
                .map(paramsNode -> parameters(paramsNode, path + ".params")).orElse(Map.of());
        Resources resources = Optional.ofNullable(fields.get("resources"))
                .map(resourcesNode -> resources(resourcesNode, path + ".resources")).orElse(Resources.DEFAULT);
        List<StepSpec.Dependency> depends = Optional.ofNullable(fields.get("depends"))
                .map(dependsNode -> depends(dependsNode, path + ".depends")).orElse(List.of());
        TriggerRule trigger = Optional.ofNullable(fields.get("trigger"))
                .map(triggerNode -> trigger(triggerNode, path + ".trigger")).orElse(TriggerRule.ALL_SUCCESS);
        List<Map<String, Object>> forEach = Optional.ofNullable(fields.get("for-each"))
                .map(forEachNode -> forEach(forEachNode, path + ".for-each")).orElse(List.of());
        Optional<Memoization> memoize = Optional.ofNullable(fields.get("memoize"))
                .flatMap(memoizeNode -> memoization(memoizeNode, path + ".memoize"));
        Optional<RetrySpec> retry = Optional.ofNullable(fields.get("retry"))
                .flatMap(retryNode -> retry(retryNode, path + ".retry"));
        Optional<Duration> deadline = Optional.ofNullable(fields.get("deadline"))
                .flatMap(deadlineNode -> duration(deadlineNode, path + ".deadline"));
        int priority = Optional.ofNullable(fields.get("priority"))
                .flatMap(priorityNode -> integer(priorityNode, path + ".priority", Integer.MIN_VALUE)).orElse(0);
        boolean retrigger = Optional.ofNullable(fields.get("retrigger"))
                .flatMap(retriggerNode -> bool(retriggerNode, path + ".retrigger")).orElse(false);
        if (name.isEmpty() || executor == null) {
            return Optional.empty();
        }
        return Optional.of(new StepSpec(name, executor, params, resources, depends, trigger, forEach, memoize, retry,
                deadline, priority, retrigger, line(mapping)));
    }

    private Map<String, Node> fields(MappingNode mapping, String prefix, Set<String> allowed) {
        Map<String, Node> fields = new LinkedHashMap<>();
        for (NodeTuple tuple : mapping.getValue()) {
            String key = tuple.getKeyNode() instanceof ScalarNode scalar ? scalar.getValue() : "";
            if (!allowed.contains(key)) {
                problems.add(new PipelineProblem(prefix + key, line(tuple.getKeyNode()), "unknown setting; expected "
                        + "one of " + String.join(", ", allowed.stream().sorted().toList())));
            } else if (fields.putIfAbsent(key, tuple.getValueNode()) != null) {
                problems.add(new PipelineProblem(prefix + key, line(tuple.getKeyNode()), "given twice"));
            }
        }
        return fields;
    }

    private String name(Map<String, Node> fields, String key, String prefix, MappingNode owner) {
        Node node = fields.get(key);
        if (node == null) {
            problems.add(new PipelineProblem(prefix + key, line(owner), "required, lower-case letters, digits and "
                    + "dashes"));
            return "";
        }
        Optional<String> given = text(node, prefix + key);
        if (given.isPresent() && !NAME.matcher(given.get()).matches()) {
            problems.add(new PipelineProblem(prefix + key, line(node), "\"" + given.get() + "\" is not a name: "
                    + "expected lower-case letters, digits and dashes, at most 63, starting and ending with a letter "
                    + "or digit"));
            return "";
        }
        return given.orElse("");
    }

    private Resources resources(Node node, String path) {
        if (!(node instanceof MappingNode mapping)) {
            problems.add(new PipelineProblem(path, line(node), "expected a mapping of cpu, memory, gpu, workers"));
            return Resources.DEFAULT;
        }
        Map<String, Node> fields = fields(mapping, path + ".", Set.of("cpu", "memory", "gpu", "workers"));
        long cpu = Optional.ofNullable(fields.get("cpu")).flatMap(cpuNode -> cpu(cpuNode, path + ".cpu"))
                .orElse(Resources.DEFAULT.cpuMillis());
        long memory = Optional.ofNullable(fields.get("memory")).flatMap(memoryNode -> memory(memoryNode,
                path + ".memory")).orElse(Resources.DEFAULT.memoryBytes());
        int gpus = Optional.ofNullable(fields.get("gpu")).flatMap(gpuNode -> integer(gpuNode, path + ".gpu", 0))
                .orElse(Resources.DEFAULT.gpus());
        int workers = Optional.ofNullable(fields.get("workers"))
                .flatMap(workersNode -> integer(workersNode, path + ".workers", 1)).orElse(Resources.DEFAULT.workers());
        return new Resources(cpu, memory, gpus, workers);
    }

    private Optional<Long> cpu(Node node, String path) {
        Optional<String> given = text(node, path);
        Matcher matcher = given.map(CPU::matcher).filter(Matcher::matches).orElse(null);
        if (given.isPresent() && matcher == null) {
            problems.add(new PipelineProblem(path, line(node), "\"" + given.get() + "\" is not a CPU quantity: "
                    + "expected cores (2, 0.5) or millicores (500m)"));
            return Optional.empty();
        }
        if (matcher == null) {
            return Optional.empty();
        }
        double value = Double.parseDouble(matcher.group(1));
        long millis = Math.round(matcher.group(2).isEmpty() ? value * 1000 : value);
        if (millis < 1) {
            problems.add(new PipelineProblem(path, line(node), "must be at least 1m"));
            return Optional.empty();
        }
        return Optional.of(millis);
    }

    private Optional<Long> memory(Node node, String path) {
        Optional<String> given = text(node, path);
        if (given.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(MemoryQuantity.bytes(given.get()));
        } catch (IllegalArgumentException e) {
            problems.add(new PipelineProblem(path, line(node), e.getMessage()));
            return Optional.empty();
        }
    }

    private List<StepSpec.Dependency> depends(Node node, String path) {
        if (!(node instanceof SequenceNode sequence)) {
            problems.add(new PipelineProblem(path, line(node), "expected a list of step names"));
            return List.of();
        }
        List<StepSpec.Dependency> depends = new ArrayList<>();
        for (int i = 0; i < sequence.getValue().size(); i++) {
            Node item = sequence.getValue().get(i);
            text(item, path + "[" + i + "]").ifPresent(step -> depends.add(new StepSpec.Dependency(step, line(item))));
        }
        return depends;
    }

    private TriggerRule trigger(Node node, String path) {
        if (node instanceof MappingNode mapping) {
            Map<String, Node> fields = fields(mapping, path + ".", Set.of("at-least"));
            Node quorum = fields.get("at-least");
            if (quorum == null) {
                problems.add(new PipelineProblem(path, line(node), "expected one of " + TriggerRule.Kind.names()
                        + ", or {at-least: k}"));
                return TriggerRule.ALL_SUCCESS;
            }
            return integer(quorum, path + ".at-least", 1).map(TriggerRule::atLeast).orElse(TriggerRule.ALL_SUCCESS);
        }
        Optional<String> given = text(node, path);
        Optional<TriggerRule.Kind> kind = given.flatMap(TriggerRule.Kind::fromYaml)
                .filter(found -> found != TriggerRule.Kind.AT_LEAST);
        if (given.isPresent() && kind.isEmpty()) {
            problems.add(new PipelineProblem(path, line(node), "unknown trigger rule \"" + given.get()
                    + "\"; expected one of " + TriggerRule.Kind.names() + ", or {at-least: k}"));
        }
        return kind.map(TriggerRule::of).orElse(TriggerRule.ALL_SUCCESS);
    }

    private List<Map<String, Object>> forEach(Node node, String path) {
        if (!(node instanceof SequenceNode sequence) || sequence.getValue().isEmpty()) {
            problems.add(new PipelineProblem(path, line(node), "expected a list of at least one parameter set"));
            return List.of();
        }
        List<Map<String, Object>> sets = new ArrayList<>();
        for (int i = 0; i < sequence.getValue().size(); i++) {
            sets.add(parameters(sequence.getValue().get(i), path + "[" + i + "]"));
        }
        return sets;
    }

    private Optional<Memoization> memoization(Node node, String path) {
        if (!(node instanceof MappingNode mapping)) {
            problems.add(new PipelineProblem(path, line(node), "expected a mapping of max-age, content-change"));
            return Optional.empty();
        }
        Map<String, Node> fields = fields(mapping, path + ".", Set.of("max-age", "content-change"));
        if (fields.isEmpty()) {
            problems.add(new PipelineProblem(path, line(node), "give max-age, content-change or both"));
            return Optional.empty();
        }
        Optional<Duration> maxAge = Optional.ofNullable(fields.get("max-age"))
                .flatMap(maxAgeNode -> duration(maxAgeNode, path + ".max-age"));
        Optional<Double> change = Optional.ofNullable(fields.get("content-change"))
                .flatMap(changeNode -> fraction(changeNode, path + ".content-change"));
        if (maxAge.isEmpty() && change.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Memoization(maxAge, change));
    }

    private Optional<RetrySpec> retry(Node node, String path) {
        if (!(node instanceof MappingNode mapping)) {
            problems.add(new PipelineProblem(path, line(node), "expected a mapping of retry settings (max-attempts, "
                    + "backoff, memory, convergence, quality-bar, upstream-reruns, same-failure-limit)"));
            return Optional.empty();
        }
        Map<String, Node> fields = fields(mapping, path + ".", Set.of("max-attempts", "backoff", "memory",
                "convergence", "quality-bar", "upstream-reruns", "same-failure-limit"));
        Optional<BackoffPolicy> backoff = Optional.ofNullable(fields.get("backoff"))
                .flatMap(backoffNode -> backoff(backoffNode, path + ".backoff"));
        Map<String, Node> memory = section(fields.get("memory"), path + ".memory", Set.of("factor", "ceiling"));
        Map<String, Node> convergence = section(fields.get("convergence"), path + ".convergence",
                Set.of("window", "min-delta"));
        Optional<RetrySpec.QualityBar> bar = Optional.ofNullable(fields.get("quality-bar"))
                .flatMap(barNode -> qualityBar(barNode, path + ".quality-bar"));
        return Optional.of(new RetrySpec(
                integer(fields.get("max-attempts"), path + ".max-attempts", 1),
                backoff,
                Optional.ofNullable(memory.get("factor")).flatMap(n -> number(n, path + ".memory.factor", 1, false)),
                Optional.ofNullable(memory.get("ceiling")).flatMap(n -> memory(n, path + ".memory.ceiling")),
                integer(convergence.get("window"), path + ".convergence.window", 2),
                Optional.ofNullable(convergence.get("min-delta"))
                        .flatMap(n -> number(n, path + ".convergence.min-delta", 0, true)),
                bar,
                integer(fields.get("upstream-reruns"), path + ".upstream-reruns", 0),
                integer(fields.get("same-failure-limit"), path + ".same-failure-limit", 2)));
    }

    private Map<String, Node> section(Node node, String path, Set<String> allowed) {
        if (node == null) {
            return Map.of();
        }
        if (!(node instanceof MappingNode mapping)) {
            problems.add(new PipelineProblem(path, line(node), "expected a mapping with " + String.join(", ",
                    new TreeSet<>(allowed))));
            return Map.of();
        }
        return fields(mapping, path + ".", allowed);
    }

    private Optional<BackoffPolicy> backoff(Node node, String path) {
        if (!(node instanceof MappingNode)) {
            problems.add(new PipelineProblem(path, line(node), "expected a mapping: mode (exponential, argo, "
                    + "step-functions, temporal) and that mode's settings"));
            return Optional.empty();
        }
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> block = (Map<String, Object>) value(node);
            return Optional.of(BackoffPolicyReader.read(block));
        } catch (IllegalArgumentException e) {
            problems.add(new PipelineProblem(path, line(node), e.getMessage()));
            return Optional.empty();
        }
    }

    private Optional<RetrySpec.QualityBar> qualityBar(Node node, String path) {
        Map<String, Node> fields = section(node, path, Set.of("metric", "threshold", "lower-is-better"));
        if (fields.isEmpty()) {
            return Optional.empty();
        }
        Node metric = fields.get("metric");
        Node threshold = fields.get("threshold");
        if (metric == null || threshold == null) {
            problems.add(new PipelineProblem(path, line(node), "expected both metric and threshold"));
            return Optional.empty();
        }
        Optional<String> name = text(metric, path + ".metric");
        Optional<Double> bar = number(threshold, path + ".threshold", Double.NEGATIVE_INFINITY, true);
        boolean lower = Optional.ofNullable(fields.get("lower-is-better"))
                .flatMap(n -> bool(n, path + ".lower-is-better")).orElse(false);
        return name.isPresent() && bar.isPresent() ? Optional.of(new RetrySpec.QualityBar(name.get(), bar.get(), lower))
                : Optional.empty();
    }

    private Map<String, Object> parameters(Node node, String path) {
        if (!(node instanceof MappingNode)) {
            problems.add(new PipelineProblem(path, line(node), "expected a mapping of parameter names to values"));
            return Map.of();
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> values = (Map<String, Object>) value(node);
        return values;
    }

    /** A node as plain Java values: strings, longs, doubles, booleans, null, lists and maps. */
    private static Object value(Node node) {
        if (node instanceof MappingNode mapping) {
            Map<String, Object> map = new LinkedHashMap<>();
            for (NodeTuple tuple : mapping.getValue()) {
                String key = tuple.getKeyNode() instanceof ScalarNode scalar ? scalar.getValue() : "";
                map.put(key, value(tuple.getValueNode()));
            }
            return map;
        }
        if (node instanceof SequenceNode sequence) {
            return sequence.getValue().stream().map(PipelineParser::value).toList();
        }
        ScalarNode scalar = (ScalarNode) node;
        Tag tag = scalar.getTag();
        try {
            if (Tag.INT.equals(tag)) {
                return Long.parseLong(scalar.getValue().replace("_", ""));
            }
            if (Tag.FLOAT.equals(tag)) {
                return Double.parseDouble(scalar.getValue().replace("_", ""));
            }
        } catch (NumberFormatException e) {
            return scalar.getValue();
        }
        if (Tag.BOOL.equals(tag)) {
            return Boolean.parseBoolean(scalar.getValue());
        }
        if (Tag.NULL.equals(tag)) {
            return null;
        }
        return scalar.getValue();
    }

    private Optional<String> text(Node node, String path) {
        if (node instanceof ScalarNode scalar && !Tag.NULL.equals(scalar.getTag()) && !scalar.getValue().isBlank()) {
            return Optional.of(scalar.getValue());
        }
        problems.add(new PipelineProblem(path, line(node), "expected a text value"));
        return Optional.empty();
    }

    private Optional<Integer> integer(Node node, String path, int minimum) {
        if (node == null) {
            return Optional.empty();
        }
        if (node instanceof ScalarNode scalar && Tag.INT.equals(scalar.getTag())) {
            try {
                int value = Integer.parseInt(scalar.getValue());
                if (value >= minimum) {
                    return Optional.of(value);
                }
            } catch (NumberFormatException e) {
                // reported below as out of range
            }
        }
        String range = minimum == Integer.MIN_VALUE ? "a whole number" : "a whole number from " + minimum;
        problems.add(new PipelineProblem(path, line(node), "expected " + range + ", got " + shown(node)));
        return Optional.empty();
    }

    private Optional<Double> fraction(Node node, String path) {
        if (node instanceof ScalarNode scalar && (Tag.FLOAT.equals(scalar.getTag()) || Tag.INT.equals(scalar.getTag()))) {
            double value = Double.parseDouble(scalar.getValue());
            if (value > 0 && value <= 1) {
                return Optional.of(value);
            }
        }
        problems.add(new PipelineProblem(path, line(node), "expected a fraction above 0 and at most 1 (0.1 is 10%), "
                + "got " + shown(node)));
        return Optional.empty();
    }

    /** A number above {@code minimum}, or from it when {@code inclusive}. */
    private Optional<Double> number(Node node, String path, double minimum, boolean inclusive) {
        if (node instanceof ScalarNode scalar && (Tag.FLOAT.equals(scalar.getTag()) || Tag.INT.equals(scalar.getTag()))) {
            double value = Double.parseDouble(scalar.getValue().replace("_", ""));
            if (Double.isFinite(value) && (inclusive ? value >= minimum : value > minimum)) {
                return Optional.of(value);
            }
        }
        String range = minimum == Double.NEGATIVE_INFINITY ? "a number"
                : "a number " + (inclusive ? "from " : "above ") + BigDecimal.valueOf(minimum).stripTrailingZeros()
                .toPlainString();
        problems.add(new PipelineProblem(path, line(node), "expected " + range + ", got " + shown(node)));
        return Optional.empty();
    }

    private Optional<Boolean> bool(Node node, String path) {
        if (node instanceof ScalarNode scalar && Tag.BOOL.equals(scalar.getTag())) {
            return Optional.of(Boolean.parseBoolean(scalar.getValue()));
        }
        problems.add(new PipelineProblem(path, line(node), "expected true or false, got " + shown(node)));
        return Optional.empty();
    }

    /** {@code 90s}, {@code 30m}, {@code 2h}, {@code 14d}, {@code 250ms}, or ISO-8601 ({@code PT2H}). */
    private Optional<Duration> duration(Node node, String path) {
        Optional<String> given = text(node, path);
        if (given.isEmpty()) {
            return Optional.empty();
        }
        Matcher matcher = DURATION.matcher(given.get());
        try {
            Duration duration;
            if (matcher.matches()) {
                long amount = Long.parseLong(matcher.group(1));
                duration = switch (matcher.group(2)) {
                    case "ms" -> Duration.ofMillis(amount);
                    case "s" -> Duration.ofSeconds(amount);
                    case "m" -> Duration.ofMinutes(amount);
                    case "h" -> Duration.ofHours(amount);
                    default -> Duration.ofDays(amount);
                };
            } else {
                duration = Duration.parse(given.get());
            }
            if (!duration.isNegative() && !duration.isZero()) {
                return Optional.of(duration);
            }
        } catch (DateTimeParseException | ArithmeticException | NumberFormatException e) {
            // reported below
        }
        problems.add(new PipelineProblem(path, line(node), "\"" + given.get() + "\" is not a duration: expected a "
                + "positive number with ms, s, m, h or d (90s, 2h, 14d), or ISO-8601 (PT2H)"));
        return Optional.empty();
    }

    private static String shown(Node node) {
        return node instanceof ScalarNode scalar ? "\"" + scalar.getValue() + "\"" : "a " + node.getNodeId().name()
                .toLowerCase(Locale.ROOT);
    }

    private static int line(Node node) {
        return node.getStartMark().getLine() + 1;
    }
}
