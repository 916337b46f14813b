package dev.quiver.admission.plan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a plans file (YAML or JSON) on top of the defaults: a plan it names replaces the default of that name, others
 * are added. Every field is checked and an error names the file and the field.
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
    private static final Pattern SHORT_DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");
    private static final Set<String> PLAN_FIELDS = Set.of("limits", "concurrency", "queue", "queue-timeout", "costs");
    private static final Set<String> LIMIT_FIELDS = Set.of("name", "capacity", "refill", "per");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private PlansFile() {
    }

    public static Plans read(Path file, PlanDefaults defaults) {
        JsonNode root;
        try {
            root = YAML.readTree(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new InvalidPlansException("plans file " + file + ": cannot read it: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new InvalidPlansException("plans file " + file + ": expected a mapping with 'plans'");
        }
        Plans base = defaults.plans();
        String where = "plans file " + file;
        unknownFields(root, Set.of("version", "default-plan", "plans"), where);
        long version = root.has("version") ? positive(root.get("version"), where + ": version") : base.version();
        Map<String, Plan> plans = new HashMap<>(base.byName());
        JsonNode planNodes = root.path("plans");
        if (!planNodes.isMissingNode() && !planNodes.isObject()) {
            throw new InvalidPlansException(where + ": plans: expected a mapping of plan name to plan");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = planNodes.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            String name = entry.getKey();
            String at = where + ": plans." + name;
            if (!NAME.matcher(name).matches()) {
                throw new InvalidPlansException(at + ": a plan name is lower-case letters, digits, '-' or '_'");
            }
            plans.put(name, plan(name, entry.getValue(), base.byName().get(name), defaults, at));
        }
        String authenticatedDefault = root.has("default-plan") ? root.get("default-plan").asText()
                : base.authenticatedDefault();
        if (!plans.containsKey(authenticatedDefault)) {
            throw new InvalidPlansException(where + ": default-plan: '" + authenticatedDefault
                    + "' is not a plan; plans: " + plans.keySet());
        }
        return new Plans(version, plans, authenticatedDefault);
    }

    private static Plan plan(String name, JsonNode node, Plan inherited, PlanDefaults defaults, String at) {
        if (!node.isObject()) {
            throw new InvalidPlansException(at + ": expected a mapping with limits, concurrency, queue, ...");
        }
        unknownFields(node, PLAN_FIELDS, at);
        List<Limit> limits = new ArrayList<>();
        if (node.has("limits")) {
            JsonNode list = node.get("limits");
            if (!list.isArray()) {
                throw new InvalidPlansException(at + ".limits: expected a list of {name, capacity, refill, per}");
            }
            Set<String> names = new HashSet<>();
            for (int i = 0; i < list.size(); i++) {
                Limit limit = limit(list.get(i), at + ".limits[" + i + "]");
                if (!names.add(limit.name())) {
                    throw new InvalidPlansException(at + ".limits[" + i + "].name: '" + limit.name()
                            + "' is used twice");
                }
                limits.add(limit);
            }
        } else if (inherited != null) {
            limits.addAll(inherited.limits());
        }
        int concurrency = node.has("concurrency") ? (int) natural(node.get("concurrency"), at + ".concurrency")
                : inherited != null ? inherited.concurrency() : 0;
        int queue = node.has("queue") ? (int) natural(node.get("queue"), at + ".queue")
                : inherited != null ? inherited.queue() : defaults.queue();
        Duration queueTimeout = node.has("queue-timeout")
                ? duration(node.get("queue-timeout"), at + ".queue-timeout")
                : inherited != null ? inherited.queueTimeout() : defaults.queueTimeout();
        Map<String, CostUnit> costs = new HashMap<>();
        JsonNode costNodes = node.path("costs");
        if (!costNodes.isMissingNode() && !costNodes.isObject()) {
            throw new InvalidPlansException(at + ".costs: expected a mapping of model name to request|item|element");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = costNodes.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> cost = it.next();
            try {
                costs.put(cost.getKey(), CostUnit.valueOf(cost.getValue().asText().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new InvalidPlansException(at + ".costs." + cost.getKey() + ": '" + cost.getValue().asText()
                        + "' is not one of request, item, element");
            }
        }
        return new Plan(name, limits, concurrency, queue, queueTimeout, costs);
    }

    private static Limit limit(JsonNode node, String at) {
        if (!node.isObject()) {
            throw new InvalidPlansException(at + ": expected {name, capacity, refill, per}");
        }
        unknownFields(node, LIMIT_FIELDS, at);
        String name = node.path("name").asText("");
        if (!NAME.matcher(name).matches()) {
            throw new InvalidPlansException(at + ".name: expected a lower-case name such as 'hourly', got '"
                    + name + "'");
        }
        if (!node.has("capacity")) {
            throw new InvalidPlansException(at + ".capacity: required (the most tokens the bucket holds)");
        }
        long capacity = positive(node.get("capacity"), at + ".capacity");
        long refill = node.has("refill") ? positive(node.get("refill"), at + ".refill") : capacity;
        if (!node.has("per")) {
            throw new InvalidPlansException(at + ".per: required (the period over which 'refill' tokens come "
                    + "back, such as 1h)");
        }
        try {
            return new Limit(name, capacity, refill, duration(node.get("per"), at + ".per"));
        } catch (IllegalArgumentException e) {
            throw new InvalidPlansException(at + ": " + e.getMessage());
        }
    }

    private static long positive(JsonNode node, String at) {
        long value = natural(node, at);
        if (value < 1) {
            throw new InvalidPlansException(at + ": expected a whole number of at least 1, got " + node);
        }
        return value;
    }

    private static long natural(JsonNode node, String at) {
        if (!node.canConvertToLong() || !node.isIntegralNumber() || node.asLong() < 0) {
            throw new InvalidPlansException(at + ": expected a whole number of at least 0, got " + node);
        }
        return node.asLong();
    }

    static Duration duration(JsonNode node, String at) {
        String text = node.asText("").trim();
        Matcher matcher = SHORT_DURATION.matcher(text);
        if (matcher.matches()) {
            long amount = Long.parseLong(matcher.group(1));
            Duration duration = switch (matcher.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "h" -> Duration.ofHours(amount);
                default -> Duration.ofDays(amount);
            };
            if (!duration.isZero()) {
                return duration;
            }
        }
        try {
            Duration duration = Duration.parse(text);
            if (!duration.isNegative() && !duration.isZero()) {
                return duration;
            }
        } catch (DateTimeParseException e) {
            // reported below with the accepted forms
        }
        throw new InvalidPlansException(at + ": expected a positive duration such as 500ms, 30s, 1m, 1h, 1d or "
                + "PT1H, got '" + text + "'");
    }

    private static void unknownFields(JsonNode node, Set<String> known, String at) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!known.contains(field)) {
                throw new InvalidPlansException(at + ": unknown field '" + field + "'; expected one of " + known);
            }
        }
    }
}
