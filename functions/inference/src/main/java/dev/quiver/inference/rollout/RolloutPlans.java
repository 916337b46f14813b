package dev.quiver.inference.rollout;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quiver.configfile.DurationText;
import dev.quiver.inference.InferenceException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Reads the body of {@code POST /v2/models/{name}/rollout}:
 * {@code {"version": 2, "steps": [5, 25, 50, 100], "bake": "2m", "stable": 1, "criteria": {...}}}, where only
 * {@code version} is required. Every problem is reported with its field.
 */
public final class RolloutPlans {

    private static final Set<String> FIELDS = Set.of("version", "steps", "bake", "stable", "criteria");
    private static final Set<String> CRITERIA = Set.of("min_requests", "max_fault_rate_increase",
            "max_output_check_failure_increase", "latency_quantile", "max_latency_ratio", "min_latency_increase_ms",
            "signals");

    private final List<Integer> defaultSteps;
    private final Duration defaultBake;
    private final CanaryCriteria defaults;

    public RolloutPlans(List<Integer> defaultSteps, Duration defaultBake, CanaryCriteria defaults) {
        this.defaultSteps = List.copyOf(defaultSteps);
        this.defaultBake = defaultBake;
        this.defaults = defaults;
    }

    public RolloutPlan read(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw InferenceException.invalidInput("request body: expected a JSON object such as {\"version\": 2, "
                    + "\"steps\": [5, 25, 50, 100]}");
        }
        unknown(body, FIELDS, "");
        long version = positive(body.get("version"), "version", true);
        OptionalLong stable = body.hasNonNull("stable") ? OptionalLong.of(positive(body.get("stable"), "stable",
                true)) : OptionalLong.empty();
        List<Integer> steps = body.hasNonNull("steps") ? steps(body.get("steps")) : defaultSteps;
        Duration bake = defaultBake;
        if (body.hasNonNull("bake")) {
            JsonNode given = body.get("bake");
            bake = (given.isTextual() ? DurationText.parse(given.asText()) : java.util.Optional.<Duration>empty())
                    .filter(duration -> !duration.isNegative() && duration.toSeconds() <= 7 * 24 * 3600)
                    .orElseThrow(() -> InferenceException.invalidInput("bake: expected a duration of at most 7d ("
                            + DurationText.FORMS + "), got " + given));
        }
        CanaryCriteria criteria = body.hasNonNull("criteria") ? criteria(body.get("criteria")) : defaults;
        return new RolloutPlan(version, steps, bake, stable, criteria);
    }

    private static List<Integer> steps(JsonNode node) {
        String expected = "steps: expected rising whole percentages from 1 to 100 ending with 100, such as "
                + "[5, 25, 50, 100]";
        if (!node.isArray() || node.isEmpty() || node.size() > 100) {
            throw InferenceException.invalidInput(expected + ", got " + node);
        }
        List<Integer> steps = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode step = node.get(i);
            if (!step.canConvertToInt() || !step.isIntegralNumber() || step.asInt() < 1 || step.asInt() > 100
                    || (!steps.isEmpty() && step.asInt() <= steps.getLast())) {
                throw InferenceException.invalidInput("steps[" + i + "]: " + expected.substring("steps: ".length())
                        + ", got " + node);
            }
            steps.add(step.asInt());
        }
        if (steps.getLast() != 100) {
            throw InferenceException.invalidInput("steps: the last step must be 100, got " + node);
        }
        return steps;
    }

    private CanaryCriteria criteria(JsonNode node) {
        if (!node.isObject()) {
            throw InferenceException.invalidInput("criteria: expected an object, got " + node);
        }
        unknown(node, CRITERIA, "criteria.");
        long minRequests = node.has("min_requests") ? positive(node.get("min_requests"), "criteria.min_requests",
                true) : defaults.minRequests();
        double faults = share(node, "criteria.", "max_fault_rate_increase", defaults.maxFaultRateIncrease());
        double checks = share(node, "criteria.", "max_output_check_failure_increase",
                defaults.maxOutputCheckFailureIncrease());
        double quantile = share(node, "criteria.", "latency_quantile", defaults.latencyQuantile());
        if (quantile <= 0) {
            throw InferenceException.invalidInput("criteria.latency_quantile: expected a share above 0 and at most 1, "
                    + "such as 0.99, got " + quantile);
        }
        double ratio = number(node, "criteria.", "max_latency_ratio", defaults.maxLatencyRatio(), 1, 1000);
        double increase = number(node, "criteria.", "min_latency_increase_ms", defaults.minLatencyIncreaseMs(), 0,
                3_600_000);
        List<SignalCriterion> signals = defaults.signals();
        if (node.has("signals")) {
            signals = signals(node.get("signals"));
        }
        return new CanaryCriteria(minRequests, faults, checks, quantile, ratio, increase, signals);
    }

    private static List<SignalCriterion> signals(JsonNode node) {
        if (!node.isArray()) {
            throw InferenceException.invalidInput("criteria.signals: expected a list of {name, min_rate, min_trials}, "
                    + "got " + node);
        }
        List<SignalCriterion> signals = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode rule = node.get(i);
            String at = "criteria.signals[" + i + "]";
            if (!rule.isObject() || !rule.path("name").isTextual() || rule.path("name").asText().isBlank()) {
                throw InferenceException.invalidInput(at + ": expected {\"name\": \"shadow_agreement\", "
                        + "\"min_rate\": 0.95, \"min_trials\": 100}, got " + rule);
            }
            unknown(rule, Set.of("name", "min_rate", "min_trials"), at + ".");
            double minRate = share(rule, at + ".", "min_rate", Double.NaN);
            if (Double.isNaN(minRate)) {
                throw InferenceException.invalidInput(at + ".min_rate: expected a share from 0 to 1");
            }
            long minTrials = rule.has("min_trials") ? positive(rule.get("min_trials"), at + ".min_trials", true) : 1;
            signals.add(new SignalCriterion(rule.get("name").asText(), minRate, minTrials));
        }
        return signals;
    }

    private static void unknown(JsonNode node, Set<String> known, String prefix) {
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!known.contains(name)) {
                throw InferenceException.invalidInput(prefix + name + ": unknown field; expected one of "
                        + known.stream().sorted().toList());
            }
        }
    }

    private static long positive(JsonNode node, String field, boolean required) {
        if (node == null || node.isNull()) {
            if (required) {
                throw InferenceException.invalidInput(field + ": required, a whole number from 1");
            }
            return 0;
        }
        if (!node.isIntegralNumber() || !node.canConvertToLong() || node.asLong() < 1) {
            throw InferenceException.invalidInput(field + ": expected a whole number from 1, got " + node);
        }
        return node.asLong();
    }

    private static double share(JsonNode node, String at, String field, double fallback) {
        return number(node, at, field, fallback, 0, 1);
    }

    private static double number(JsonNode node, String at, String field, double fallback, double min, double max) {
        if (!node.has(field)) {
            return fallback;
        }
        JsonNode value = node.get(field);
        if (!value.isNumber() || value.asDouble() < min || value.asDouble() > max) {
            throw InferenceException.invalidInput(at + field + ": expected a number from " + trimmed(min) + " to "
                    + trimmed(max) + ", got " + value);
        }
        return value.asDouble();
    }

    private static String trimmed(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }
}
