package dev.quiver.orchestration.pipeline;

import dev.quiver.configfile.ConfigFile;
import dev.quiver.configfile.ConfigMapping;
import dev.quiver.configfile.ConfigNode;
import dev.quiver.configfile.ConfigValue;
import dev.quiver.configfile.InvalidConfigException;
import dev.quiver.orchestration.retry.backoff.BackoffPolicy;
import dev.quiver.orchestration.retry.backoff.BackoffPolicyReader;
import dev.quiver.pool.Quantity;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a pipeline file into a {@link PipelineSpec}, filling in the defaults, then hands it to the
 * {@link PipelineValidator}. Every problem is reported at once, each with its path and line, so a user fixes a file in
 * one go: {@code line 14, steps[2].depends[0]: unknown step "trian"; expected one of ingest, train}.
 *
 * <p>The validator sees the file even when some settings could not be read: a step is kept whatever is wrong with
 * it (its name as written, no executor when that could not be read), so that its dependents do not report it
 * unknown. Such a spec never leaves the parser.
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
    private static final Pattern CPU = Pattern.compile("(\\d+(?:\\.\\d+)?)(m?)");
    private static final List<String> PIPELINE_KEYS = List.of("description", "on-object", "pipeline", "priority",
            "schedule", "sla", "steps", "version");
    private static final List<String> STEP_KEYS = List.of("deadline", "depends", "executor", "expected-duration",
            "for-each", "memoize", "name", "params", "priority", "resources", "retrigger", "retry", "stall-after",
            "trigger");
    private static final List<String> RETRY_KEYS = List.of("backoff", "convergence", "max-attempts", "memory",
            "quality-bar", "same-failure-limit", "upstream-reruns");

    private PipelineParser() {
    }

    /**
     * @param source names the file in the exception's message
     * @throws InvalidConfigException with every problem found
     */
    public static PipelineSpec parse(String source, String yaml) {
        ConfigFile file = ConfigFile.yaml("pipeline " + source, yaml);
        Optional<PipelineSpec> spec = file.root().mapping("expected a mapping with pipeline, version and steps")
                .map(PipelineParser::pipeline);
        spec.ifPresent(read -> file.report(PipelineValidator.validate(read)));
        file.requireValid();
        return spec.orElseThrow();
    }

    private static PipelineSpec pipeline(ConfigMapping pipeline) {
        pipeline.allowOnly(PIPELINE_KEYS);
        String name = name(pipeline, "pipeline");
        int version = pipeline.required("version", "required, a whole number from 1")
                .flatMap(value -> value.wholeNumber(1)).orElse(0);
        Optional<String> description = pipeline.get("description").flatMap(ConfigValue::text);
        Optional<String> priority = optionalName(pipeline, "priority");
        Optional<ScheduleSpec> schedule = pipeline.get("schedule").flatMap(PipelineParser::schedule);
        Optional<ObjectTrigger> onObject = pipeline.get("on-object").flatMap(PipelineParser::onObject);
        List<StepSpec> steps = new ArrayList<>();
        pipeline.required("steps", "required, a list of steps")
                .flatMap(value -> nonEmptyList(value, "expected a list of at least one step"))
                .ifPresent(items -> items.forEach(item -> steps.add(step(item))));
        Optional<Duration> sla = pipeline.get("sla").flatMap(ConfigValue::positiveDuration);
        return new PipelineSpec(name, version, description, priority, schedule, onObject, sla, steps);
    }

    private static Optional<ObjectTrigger> onObject(ConfigValue value) {
        return value.mapping("expected a mapping of bucket, prefix, suffix").flatMap(trigger -> {
            trigger.allowOnly(List.of("bucket", "prefix", "suffix"));
            Optional<String> bucket = trigger.required("bucket", "required, the bucket whose new objects start runs")
                    .flatMap(given -> given.text().filter(text -> {
                        if (text.isBlank()) {
                            given.problem("expected a bucket name");
                            return false;
                        }
                        return true;
                    }));
            String prefix = trigger.get("prefix").flatMap(ConfigValue::text).orElse("");
            String suffix = trigger.get("suffix").flatMap(ConfigValue::text).orElse("");
            return bucket.map(name -> new ObjectTrigger(name, prefix, suffix));
        });
    }

    private static Optional<ScheduleSpec> schedule(ConfigValue value) {
        return value.mapping("expected a mapping of cron, time-zone, catch-up, max-active-runs").flatMap(schedule -> {
            schedule.allowOnly(List.of("catch-up", "cron", "max-active-runs", "time-zone"));
            Optional<String> cron = schedule.required("cron", "required, five fields as in crontab, such as "
                    + "\"0 2 * * *\"").flatMap(given -> given.text().filter(text -> {
                        try {
                            ScheduleSpec.check(text);
                            return true;
                        } catch (IllegalArgumentException e) {
                            given.problem("\"" + text + "\" is no cron expression of five fields: " + e.getMessage());
                            return false;
                        }
                    }));
            ZoneId zone = schedule.get("time-zone").flatMap(given -> given.text().flatMap(text -> {
                try {
                    return Optional.of(ZoneId.of(text));
                } catch (DateTimeException e) {
                    given.problem("\"" + text + "\" is no time zone; expected a region such as Europe/Paris, or UTC");
                    return Optional.empty();
                }
            })).orElse(ZoneOffset.UTC);
            ScheduleSpec.CatchUp catchUp = schedule.get("catch-up").flatMap(given -> given.text().flatMap(text -> {
                if (text.equals("all") || text.equals("latest")) {
                    return Optional.of(ScheduleSpec.CatchUp.valueOf(text.toUpperCase(Locale.ROOT)));
                }
                given.problem("\"" + text + "\" is no catch-up policy; expected all or latest");
                return Optional.empty();
            })).orElse(ScheduleSpec.CatchUp.LATEST);
            int maxActive = schedule.get("max-active-runs").flatMap(given -> given.wholeNumber(1)).orElse(1);
            return cron.map(text -> new ScheduleSpec(text, zone, catchUp, maxActive));
        });
    }

    private static StepSpec step(ConfigValue item) {
        Optional<ConfigMapping> read = item.mapping("expected a mapping with at least name and executor");
        if (read.isEmpty()) {
            return new StepSpec("", null, Map.of(), Resources.DEFAULT, List.of(), TriggerRule.ALL_SUCCESS, List.of(),
                    Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                    Optional.empty(), false, item.line());
        }
        ConfigMapping step = read.get();
        step.allowOnly(STEP_KEYS);
        return new StepSpec(
                name(step, "name"),
                step.required("executor", "required, one of " + ExecutorKind.names())
                        .flatMap(PipelineParser::executor).orElse(null),
                step.get("params").map(PipelineParser::params).orElse(Map.of()),
                step.get("resources").map(PipelineParser::resources).orElse(Resources.DEFAULT),
                step.get("depends").map(PipelineParser::depends).orElse(List.of()),
                step.get("trigger").map(PipelineParser::trigger).orElse(TriggerRule.ALL_SUCCESS),
                step.get("for-each").map(PipelineParser::forEach).orElse(List.of()),
                step.get("memoize").flatMap(PipelineParser::memoization),
                step.get("retry").flatMap(PipelineParser::retry),
                step.get("deadline").flatMap(ConfigValue::positiveDuration),
                step.get("expected-duration").flatMap(ConfigValue::positiveDuration),
                step.get("stall-after").flatMap(ConfigValue::positiveDuration),
                optionalName(step, "priority"),
                step.get("retrigger").flatMap(ConfigValue::bool).orElse(false),
                step.value().line());
    }

    /** The name as written, also when it is not a valid one (a problem then says so); empty when not given. */
    private static Optional<String> optionalName(ConfigMapping mapping, String key) {
        return mapping.get(key).isPresent() ? Optional.of(name(mapping, key)) : Optional.empty();
    }

    private static String name(ConfigMapping mapping, String key) {
        Optional<ConfigValue> value = mapping.required(key, "required, lower-case letters, digits and dashes");
        Optional<String> given = value.flatMap(ConfigValue::text);
        if (given.isPresent() && !NAME.matcher(given.get()).matches()) {
            value.get().problem("\"" + given.get() + "\" is not a name: expected lower-case letters, digits and "
                    + "dashes, at most 63, starting and ending with a letter or digit");
        }
        return given.orElse("");
    }

    private static Optional<ExecutorKind> executor(ConfigValue value) {
        Optional<String> given = value.text();
        Optional<ExecutorKind> executor = given.flatMap(ExecutorKind::fromYaml);
        if (given.isPresent() && executor.isEmpty()) {
            value.problem("unknown executor \"" + given.get() + "\"; expected one of " + ExecutorKind.names());
        }
        return executor;
    }

    /** A step's own parameters; one written without a value is refused, as a run could not tell it from absent. */
    private static Map<String, Object> params(ConfigValue value) {
        Map<String, Object> params = new LinkedHashMap<>();
        value.mapping("expected a mapping of parameter names to values").ifPresent(mapping -> mapping.entries()
                .forEach((name, parameter) -> {
                    if (parameter.isNull()) {
                        parameter.problem("expected a value, got nothing; leave the parameter out if it has none");
                    } else {
                        params.put(name, parameter.plain());
                    }
                }));
        return params;
    }

    private static Resources resources(ConfigValue value) {
        return value.mapping("expected a mapping of cpu, memory, gpu, workers").map(resources -> {
            resources.allowOnly(List.of("cpu", "gpu", "memory", "workers"));
            Resources fallback = Resources.DEFAULT;
            Resources read = new Resources(
                    resources.get("cpu").flatMap(PipelineParser::cpu).orElse(fallback.cpuMillis()),
                    resources.get("memory").flatMap(PipelineParser::memory).orElse(fallback.memoryBytes()),
                    resources.get("gpu").flatMap(gpu -> gpu.wholeNumber(0)).orElse(fallback.gpus()),
                    resources.get("workers").flatMap(workers -> workers.wholeNumber(1)).orElse(fallback.workers()));
            // the pool counts a step's request for all of its workers, in thousandths of a unit
            long pods = Math.max(1, read.workers());
            if (Quantity.times(read.cpuMillis(), pods) >= Quantity.UNLIMITED
                    || Quantity.times(Quantity.times(read.memoryBytes(), 1000L), pods) >= Quantity.UNLIMITED
                    || Quantity.times(read.gpus() * 1000L, pods) >= Quantity.UNLIMITED) {
                value.problem("cpu, memory or gpu times workers is larger than any pool can hold; expected less than "
                        + Quantity.format(Quantity.UNLIMITED) + " of each in all");
            }
            return read;
        }).orElse(Resources.DEFAULT);
    }

    private static Optional<Long> cpu(ConfigValue value) {
        Optional<String> given = value.text();
        Optional<Matcher> matcher = given.map(CPU::matcher).filter(Matcher::matches);
        if (given.isPresent() && matcher.isEmpty()) {
            value.problem("\"" + given.get() + "\" is not a CPU quantity: expected cores (2, 0.5) or millicores "
                    + "(500m)");
        }
        return matcher.flatMap(quantity -> {
            double amount = Double.parseDouble(quantity.group(1));
            long millis = Math.round(quantity.group(2).isEmpty() ? amount * 1000 : amount);
            if (millis < 1) {
                value.problem("must be at least 1m");
                return Optional.empty();
            }
            return Optional.of(millis);
        });
    }

    private static Optional<Long> memory(ConfigValue value) {
        return value.text().flatMap(given -> {
            try {
                return Optional.of(MemoryQuantity.bytes(given));
            } catch (IllegalArgumentException e) {
                value.problem(e.getMessage());
                return Optional.empty();
            }
        });
    }

    /** An item that is not a step name stays as a blank dependency, so that the others keep their index. */
    private static List<StepSpec.Dependency> depends(ConfigValue value) {
        return value.list("expected a list of step names").orElse(List.of()).stream()
                .map(item -> new StepSpec.Dependency(item.text().orElse(""))).toList();
    }

    private static TriggerRule trigger(ConfigValue value) {
        String expected = TriggerRule.Kind.names() + ", or {at-least: k}";
        Optional<ConfigMapping> quorum = value.asMapping();
        if (quorum.isPresent()) {
            quorum.get().allowOnly(List.of("at-least"));
            Optional<ConfigValue> atLeast = quorum.get().get("at-least");
            if (atLeast.isEmpty()) {
                value.problem("expected one of " + expected);
            }
            return atLeast.flatMap(successes -> successes.wholeNumber(1)).map(TriggerRule::atLeast)
                    .orElse(TriggerRule.ALL_SUCCESS);
        }
        Optional<String> given = value.text();
        Optional<TriggerRule.Kind> kind = given.flatMap(TriggerRule.Kind::fromYaml)
                .filter(found -> found != TriggerRule.Kind.AT_LEAST);
        if (given.isPresent() && kind.isEmpty()) {
            value.problem("unknown trigger rule \"" + given.get() + "\"; expected one of " + expected);
        }
        return kind.map(TriggerRule::of).orElse(TriggerRule.ALL_SUCCESS);
    }

    private static List<Map<String, Object>> forEach(ConfigValue value) {
        return nonEmptyList(value, "expected a list of at least one parameter set").orElse(List.of()).stream()
                .map(PipelineParser::parameters).toList();
    }

    private static Optional<Memoization> memoization(ConfigValue value) {
        return value.mapping("expected a mapping of max-age, content-change").flatMap(memoize -> {
            memoize.allowOnly(List.of("content-change", "max-age"));
            if (!memoize.has("max-age") && !memoize.has("content-change")) {
                value.problem("give max-age, content-change or both");
                return Optional.empty();
            }
            Optional<Duration> maxAge = memoize.get("max-age").flatMap(ConfigValue::positiveDuration);
            Optional<Double> change = memoize.get("content-change").flatMap(PipelineParser::fraction);
            return maxAge.isEmpty() && change.isEmpty() ? Optional.empty()
                    : Optional.of(new Memoization(maxAge, change));
        });
    }

    private static Optional<RetrySpec> retry(ConfigValue value) {
        return value.mapping("expected a mapping of retry settings (max-attempts, backoff, memory, convergence, "
                + "quality-bar, upstream-reruns, same-failure-limit)").map(retry -> {
            retry.allowOnly(RETRY_KEYS);
            Optional<BackoffPolicy> backoff = retry.get("backoff").flatMap(BackoffPolicyReader::read);
            Optional<ConfigMapping> memory = section(retry, "memory", List.of("ceiling", "factor"));
            Optional<ConfigMapping> convergence = section(retry, "convergence", List.of("min-delta", "window"));
            return new RetrySpec(
                    retry.get("max-attempts").flatMap(attempts -> attempts.wholeNumber(1)),
                    backoff,
                    memory.flatMap(m -> m.get("factor")).flatMap(factor -> factor.number(1, false)),
                    memory.flatMap(m -> m.get("ceiling")).flatMap(PipelineParser::memory),
                    convergence.flatMap(c -> c.get("window")).flatMap(window -> window.wholeNumber(2)),
                    convergence.flatMap(c -> c.get("min-delta")).flatMap(delta -> delta.number(0, true)),
                    retry.get("quality-bar").flatMap(PipelineParser::qualityBar),
                    retry.get("upstream-reruns").flatMap(reruns -> reruns.wholeNumber(0)),
                    retry.get("same-failure-limit").flatMap(limit -> limit.wholeNumber(2)));
        });
    }

    private static Optional<ConfigMapping> section(ConfigMapping owner, String key, List<String> allowed) {
        Optional<ConfigMapping> section = owner.get(key).flatMap(value -> value.mapping("expected a mapping with "
                + String.join(", ", allowed)));
        section.ifPresent(mapping -> mapping.allowOnly(allowed));
        return section;
    }

    private static Optional<RetrySpec.QualityBar> qualityBar(ConfigValue value) {
        List<String> allowed = List.of("lower-is-better", "metric", "threshold");
        return value.mapping("expected a mapping with " + String.join(", ", allowed)).flatMap(bar -> {
            bar.allowOnly(allowed);
            if (!bar.has("metric") && !bar.has("threshold") && !bar.has("lower-is-better")) {
                return Optional.empty();
            }
            if (!bar.has("metric") || !bar.has("threshold")) {
                value.problem("expected both metric and threshold");
                return Optional.empty();
            }
            Optional<String> metric = bar.get("metric").flatMap(ConfigValue::text);
            Optional<Double> threshold = bar.get("threshold").flatMap(ConfigValue::number);
            boolean lower = bar.get("lower-is-better").flatMap(ConfigValue::bool).orElse(false);
            return metric.isPresent() && threshold.isPresent()
                    ? Optional.of(new RetrySpec.QualityBar(metric.get(), threshold.get(), lower)) : Optional.empty();
        });
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> parameters(ConfigValue value) {
        return value.mapping("expected a mapping of parameter names to values")
                .map(mapping -> (Map<String, Object>) mapping.value().plain()).orElse(Map.of());
    }

    private static Optional<List<ConfigValue>> nonEmptyList(ConfigValue value, String problem) {
        Optional<List<ConfigValue>> items = value.list(problem);
        if (items.isPresent() && items.get().isEmpty()) {
            value.problem(problem);
            return Optional.empty();
        }
        return items;
    }

    private static Optional<Double> fraction(ConfigValue value) {
        if (value.node() instanceof ConfigNode.Scalar scalar && scalar.value() instanceof Number number
                && number.doubleValue() > 0 && number.doubleValue() <= 1) {
            return Optional.of(number.doubleValue());
        }
        value.expected("a fraction above 0 and at most 1 (0.1 is 10%)");
        return Optional.empty();
    }
}
