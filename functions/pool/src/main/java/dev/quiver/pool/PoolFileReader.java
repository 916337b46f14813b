package dev.quiver.pool;

import dev.quiver.configfile.ConfigFile;
import dev.quiver.configfile.ConfigMapping;
import dev.quiver.configfile.ConfigValue;
import dev.quiver.configfile.InvalidConfigException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Reads a pool file (YAML or JSON) into a {@link PoolSpec}: what is left out takes the default of
 * {@link PoolSpec#DEFAULT}, and a file with problems is refused with all of them, each with its path and line.
 */
public final class PoolFileReader {

    private static final List<String> TOP = List.of("resources", "cohorts", "queues", "priority-classes", "work",
            "gang-timeout", "starvation-after", "serving");

    private PoolFileReader() {
    }

    /** @throws InvalidConfigException with every problem of the file */
    public static PoolSpec read(Path file) throws IOException {
        return read(ConfigFile.read("pool file " + file, file));
    }

    /** @throws InvalidConfigException with every problem of the text */
    public static PoolSpec yaml(String source, String text) {
        return read(ConfigFile.yaml(source, text));
    }

    private static PoolSpec read(ConfigFile file) {
        Optional<ConfigMapping> top = file.root().mapping("expected a mapping with resources, cohorts, queues, "
                + "priority-classes and work");
        if (top.isEmpty()) {
            file.requireValid();
        }
        ConfigMapping pool = top.orElseThrow();
        pool.allowOnly(TOP);
        List<String> resources = pool.get("resources").flatMap(PoolFileReader::names)
                .orElse(PoolSpec.DEFAULT_RESOURCES);
        Map<String, CohortSpec> cohorts = named(pool.get("cohorts"), "cohorts", PoolFileReader::cohort);
        Optional<ConfigValue> queuesValue = pool.required("queues", "a pool file names its queues");
        Map<String, QueueSpec> queues = named(queuesValue, "queues", PoolFileReader::queue);
        Map<String, PriorityClass> classes = pool.has("priority-classes")
                ? named(pool.get("priority-classes"), "priority classes", PoolFileReader::priorityClass)
                : PoolSpec.DEFAULT_PRIORITY_CLASSES;
        WorkMapping work = pool.get("work").map(PoolFileReader::work).orElse(PoolSpec.DEFAULT.work());
        Duration gangTimeout = pool.get("gang-timeout").flatMap(ConfigValue::positiveDuration)
                .orElse(PoolSpec.DEFAULT_GANG_TIMEOUT);
        Duration starvation = pool.get("starvation-after").flatMap(ConfigValue::positiveDuration)
                .orElse(PoolSpec.DEFAULT_STARVATION_AFTER);
        Map<String, ServingSpec> serving = named(pool.get("serving"), "serving functions", PoolFileReader::serving);
        PoolSpec spec = new PoolSpec(resources, cohorts, queues, classes, work, gangTimeout, starvation, serving);
        if (file.valid()) {
            file.report(PoolValidator.validate(spec));
        }
        file.requireValid();
        return spec;
    }

    private static Optional<List<String>> names(ConfigValue value) {
        return value.list("expected a list of resource names such as [cpu, memory, gpu]").map(items -> {
            List<String> names = new ArrayList<>();
            items.forEach(item -> item.text().ifPresent(names::add));
            return names;
        });
    }

    private static <T> Map<String, T> named(Optional<ConfigValue> value, String what,
                                            BiFunction<String, ConfigMapping, T> reader) {
        Map<String, T> read = new LinkedHashMap<>();
        value.flatMap(v -> v.mapping("expected a mapping of " + what + " by name")).ifPresent(mapping ->
                mapping.entries().forEach((name, entry) -> entry.mapping("expected a mapping of the settings of "
                        + name).ifPresent(settings -> read.put(name, reader.apply(name, settings)))));
        return read;
    }

    private static CohortSpec cohort(String name, ConfigMapping cohort) {
        cohort.allowOnly(List.of("parent", "weight", "quota"));
        return new CohortSpec(name, cohort.get("parent").flatMap(ConfigValue::text), weight(cohort),
                quotas(cohort));
    }

    private static QueueSpec queue(String name, ConfigMapping queue) {
        queue.allowOnly(List.of("cohort", "weight", "quota", "preemption", "queueing", "max-pending"));
        Preemption preemption = queue.get("preemption").flatMap(value -> value.mapping(
                "expected a mapping with within-queue and reclaim-within-cohort")).map(mapping -> {
                    mapping.allowOnly(List.of("within-queue", "reclaim-within-cohort"));
                    return new Preemption(
                            mapping.get("within-queue").flatMap(v -> choice(v, Preemption.WithinQueue.values(),
                                    w -> w.written)).orElse(Preemption.DEFAULT.withinQueue()),
                            mapping.get("reclaim-within-cohort").flatMap(v -> choice(v, Preemption.Reclaim.values(),
                                    r -> r.written)).orElse(Preemption.DEFAULT.reclaimWithinCohort()));
                }).orElse(Preemption.DEFAULT);
        return new QueueSpec(name, queue.get("cohort").flatMap(ConfigValue::text), weight(queue), quotas(queue),
                preemption,
                queue.get("queueing").flatMap(v -> choice(v, Queueing.values(), q -> q.written))
                        .orElse(Queueing.BEST_EFFORT_FIFO),
                queue.get("max-pending").flatMap(v -> v.wholeNumber(1)).orElse(PoolSpec.DEFAULT_MAX_PENDING));
    }

    private static ServingSpec serving(String function, ConfigMapping serving) {
        serving.allowOnly(List.of("queue", "priority", "replica", "concurrency", "expire-after"));
        String queue = serving.required("queue", "a serving function names the queue its replicas are admitted to")
                .flatMap(ConfigValue::text).orElse("");
        Map<String, Long> replica = new LinkedHashMap<>();
        serving.required("replica", "a serving function says what one replica holds, such as {cpu: 2, memory: 4Gi}")
                .flatMap(v -> v.mapping("expected a mapping of amounts by resource, such as {cpu: 2, memory: 4Gi}"))
                .ifPresent(mapping -> mapping.entries().forEach((resource, value) -> amount(value)
                        .ifPresent(amount -> replica.put(resource, amount))));
        return new ServingSpec(function, queue, serving.get("priority").flatMap(ConfigValue::text), replica,
                serving.get("concurrency").flatMap(v -> v.wholeNumber(1)).orElse(ServingSpec.DEFAULT_CONCURRENCY),
                serving.get("expire-after").flatMap(ConfigValue::positiveDuration)
                        .orElse(ServingSpec.DEFAULT_EXPIRE_AFTER));
    }

    private static PriorityClass priorityClass(String name, ConfigMapping priority) {
        priority.allowOnly(List.of("value", "preemption"));
        int value = priority.required("value", "a priority class needs a value (higher is admitted first)")
                .flatMap(ConfigValue::wholeNumber).orElse(0);
        boolean preempting = priority.get("preemption").flatMap(v -> choice(v, new String[] {"lower-priority",
                "never"}, Function.identity())).map("lower-priority"::equals).orElse(true);
        return new PriorityClass(name, value, preempting);
    }

    private static WorkMapping work(ConfigValue value) {
        WorkMapping defaults = PoolSpec.DEFAULT.work();
        return value.mapping("expected a mapping with default-queue, default-priority, queue-parameter and plans")
                .map(work -> {
                    work.allowOnly(List.of("default-queue", "default-priority", "queue-parameter", "plans"));
                    Map<String, String> plans = new LinkedHashMap<>();
                    work.get("plans").flatMap(v -> v.mapping("expected a mapping of queue names by admission plan"))
                            .ifPresent(mapping -> mapping.entries().forEach((plan, queue) -> queue.text()
                                    .ifPresent(text -> plans.put(plan, text))));
                    return new WorkMapping(
                            work.get("default-queue").flatMap(ConfigValue::text).orElse(defaults.defaultQueue()),
                            work.get("default-priority").flatMap(ConfigValue::text)
                                    .orElse(defaults.defaultPriority()),
                            work.get("queue-parameter").flatMap(ConfigValue::text).orElse(defaults.queueParameter()),
                            plans);
                }).orElse(defaults);
    }

    private static double weight(ConfigMapping node) {
        return node.get("weight").flatMap(v -> v.number(0, true)).orElse(1.0);
    }

    private static Map<String, Quota> quotas(ConfigMapping node) {
        Map<String, Quota> quotas = new LinkedHashMap<>();
        node.get("quota").flatMap(v -> v.mapping("expected a mapping of quotas by resource, such as {cpu: 8, "
                + "memory: 32Gi}")).ifPresent(mapping -> mapping.entries().forEach((resource, value) ->
                quota(value).ifPresent(quota -> quotas.put(resource, quota))));
        return quotas;
    }

    /** {@code cpu: 8} for a nominal quota alone, or {@code cpu: {nominal: 8, borrowing-limit: 4, lending-limit: 2}}. */
    private static Optional<Quota> quota(ConfigValue value) {
        Optional<ConfigMapping> mapping = value.asMapping();
        if (mapping.isEmpty()) {
            return amount(value).map(Quota::of);
        }
        ConfigMapping quota = mapping.get();
        quota.allowOnly(List.of("nominal", "borrowing-limit", "lending-limit"));
        Optional<Long> nominal = quota.required("nominal", "a quota needs its nominal amount").flatMap(
                PoolFileReader::amount);
        OptionalLong borrowing = limit(quota.get("borrowing-limit"));
        OptionalLong lending = limit(quota.get("lending-limit"));
        return nominal.map(amount -> new Quota(amount, borrowing, lending));
    }

    private static OptionalLong limit(Optional<ConfigValue> value) {
        return value.flatMap(PoolFileReader::amount).map(OptionalLong::of).orElse(OptionalLong.empty());
    }

    private static Optional<Long> amount(ConfigValue value) {
        if (value.asMapping().isPresent()) {
            value.expected(Quantity.FORMS);
            return Optional.empty();
        }
        Optional<String> text = value.text();
        Optional<Long> amount = text.flatMap(Quantity::parseMillis);
        if (text.isPresent() && amount.isEmpty()) {
            value.expected(Quantity.FORMS);
        }
        return amount;
    }

    private static <T> Optional<T> choice(ConfigValue value, T[] choices, Function<T, String> written) {
        Optional<String> text = value.text();
        Optional<T> chosen = text.flatMap(t -> Arrays.stream(choices).filter(c -> written.apply(c).equals(t))
                .findFirst());
        if (text.isPresent() && chosen.isEmpty()) {
            value.expected("one of " + String.join(", ", Arrays.stream(choices).map(written).toList()));
        }
        return chosen;
    }
}
