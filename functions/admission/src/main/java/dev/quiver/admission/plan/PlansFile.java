package dev.quiver.admission.plan;

import dev.quiver.configfile.ConfigFile;
import dev.quiver.configfile.ConfigMapping;
import dev.quiver.configfile.ConfigValue;
import dev.quiver.configfile.InvalidConfigException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads a plans file (YAML or JSON) on top of the defaults: a plan it names replaces the default of that name, others
 * are added. Every field is checked, and a file with mistakes is refused with every one of them, each with its path
 * and line.
 *
 * <pre>
 * version: 2                  # raise it when limits change, so stored buckets take the new limits
 * default-plan: standard      # plan of authenticated callers whose credential names none
 * plans:
 *   pro:
 *     limits:
 *       - {name: hourly, capacity: 20000, per: 1h}
 *       - {name: burst, capacity: 500, refill: 500, per: 1m}
 *     concurrency: 8          # requests of one caller running at once; 0 = no cap
 *     queue: 32               # more waiting in line, in order
 *     queue-timeout: 5s
 *     costs: {ocr: item}      # request | item | element
 * </pre>
 */
public final class PlansFile {

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");
    private static final List<String> PLAN_FIELDS = List.of("concurrency", "costs", "limits", "queue",
            "queue-timeout");
    private static final List<String> LIMIT_FIELDS = List.of("capacity", "name", "per", "refill");

    private PlansFile() {
    }

    /**
     * @throws InvalidConfigException with every problem of the file
     * @throws UncheckedIOException   when it cannot be read
     */
    public static Plans read(Path file, PlanDefaults defaults) {
        ConfigFile config;
        try {
            config = ConfigFile.read("plans file " + file, file);
        } catch (IOException e) {
            throw new UncheckedIOException("plans file " + file + ": cannot read it: " + e.getMessage(), e);
        }
        Plans base = defaults.plans();
        Map<String, Plan> plans = new HashMap<>(base.byName());
        Optional<ConfigMapping> root = config.root().mapping("expected a mapping with plans");
        root.ifPresent(mapping -> mapping.allowOnly(List.of("default-plan", "plans", "version")));
        long version = root.flatMap(mapping -> mapping.get("version"))
                .flatMap(value -> value.wholeNumber(1, Long.MAX_VALUE)).orElse(base.version());
        root.flatMap(mapping -> mapping.get("plans"))
                .flatMap(value -> value.mapping("expected a mapping of plan name to plan"))
                .ifPresent(mapping -> mapping.entries().forEach((name, value) -> {
                    if (!NAME.matcher(name).matches()) {
                        value.problem("a plan name is lower-case letters, digits, '-' or '_'");
                    }
                    plan(name, value, base.byName().get(name), defaults).ifPresent(plan -> plans.put(name, plan));
                }));
        Optional<ConfigValue> defaultPlan = root.flatMap(mapping -> mapping.get("default-plan"));
        String authenticatedDefault = defaultPlan.flatMap(ConfigValue::text).orElse(base.authenticatedDefault());
        if (defaultPlan.isPresent() && !plans.containsKey(authenticatedDefault)) {
            defaultPlan.get().problem("'" + authenticatedDefault + "' is not a plan; plans: " + plans.keySet());
        }
        config.requireValid();
        return new Plans(version, plans, authenticatedDefault);
    }

    private static Optional<Plan> plan(String name, ConfigValue value, Plan inherited, PlanDefaults defaults) {
        return value.mapping("expected a mapping with limits, concurrency, queue, ...").map(plan -> {
            plan.allowOnly(PLAN_FIELDS);
            List<Limit> limits = plan.get("limits").map(PlansFile::limits)
                    .orElse(inherited != null ? inherited.limits() : List.of());
            int concurrency = plan.get("concurrency").flatMap(count -> count.wholeNumber(0))
                    .orElse(inherited != null ? inherited.concurrency() : 0);
            int queue = plan.get("queue").flatMap(count -> count.wholeNumber(0))
                    .orElse(inherited != null ? inherited.queue() : defaults.queue());
            Duration queueTimeout = plan.get("queue-timeout").flatMap(ConfigValue::positiveDuration)
                    .orElse(inherited != null ? inherited.queueTimeout() : defaults.queueTimeout());
            Map<String, CostUnit> costs = plan.get("costs").map(PlansFile::costs).orElse(Map.of());
            return new Plan(name, limits, concurrency, queue, queueTimeout, costs);
        });
    }

    private static List<Limit> limits(ConfigValue value) {
        List<Limit> limits = new ArrayList<>();
        Set<String> names = new HashSet<>();
        value.list("expected a list of {name, capacity, refill, per}").ifPresent(items -> items.forEach(item ->
                limit(item).ifPresent(limit -> {
                    if (!names.add(limit.name())) {
                        item.asMapping().flatMap(mapping -> mapping.get("name")).orElse(item)
                                .problem("'" + limit.name() + "' is used twice");
                    }
                    limits.add(limit);
                })));
        return limits;
    }

    private static Optional<Limit> limit(ConfigValue value) {
        return value.mapping("expected {name, capacity, refill, per}").flatMap(limit -> {
            limit.allowOnly(LIMIT_FIELDS);
            Optional<ConfigValue> nameValue = limit.required("name", "required, a lower-case name such as 'hourly'");
            Optional<String> name = nameValue.flatMap(ConfigValue::text);
            if (name.isPresent() && !NAME.matcher(name.get()).matches()) {
                nameValue.get().problem("expected a lower-case name such as 'hourly', got '" + name.get() + "'");
            }
            Optional<Long> capacity = limit.required("capacity", "required (the most tokens the bucket holds)")
                    .flatMap(count -> count.wholeNumber(1, Long.MAX_VALUE));
            Optional<Long> refill = limit.get("refill").flatMap(count -> count.wholeNumber(1, Long.MAX_VALUE))
                    .or(() -> limit.has("refill") ? Optional.empty() : capacity);
            Optional<Duration> per = limit.required("per", "required (the period over which 'refill' tokens come "
                    + "back, such as 1h)").flatMap(ConfigValue::positiveDuration);
            if (name.isEmpty() || capacity.isEmpty() || refill.isEmpty() || per.isEmpty()) {
                return Optional.empty();
            }
            try {
                return Optional.of(new Limit(name.get(), capacity.get(), refill.get(), per.get()));
            } catch (IllegalArgumentException e) {
                value.problem(e.getMessage());
                return Optional.empty();
            }
        });
    }

    private static Map<String, CostUnit> costs(ConfigValue value) {
        Map<String, CostUnit> costs = new HashMap<>();
        value.mapping("expected a mapping of model name to request|item|element").ifPresent(mapping -> mapping
                .entries().forEach((model, unit) -> {
                    Optional<CostUnit> cost = unit.asText().flatMap(PlansFile::costUnit);
                    cost.ifPresentOrElse(found -> costs.put(model, found), () -> unit.problem("'" + unit.asText()
                            .orElse(unit.shown()) + "' is not one of request, item, element"));
                }));
        return costs;
    }

    private static Optional<CostUnit> costUnit(String name) {
        try {
            return Optional.of(CostUnit.valueOf(name.toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
