package dev.quiver.orchestration.retry.backoff;

import dev.quiver.configfile.ConfigMapping;
import dev.quiver.configfile.ConfigValue;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Builds a backoff policy from a pipeline's {@code retry.backoff} block.
 *
 * <p>{@code mode} picks the arithmetic ({@code exponential} when left out); every other field keeps the name its
 * source system gives it, so a block copied from an Argo template, a Step Functions retrier or a Temporal RetryPolicy
 * means here what it meant there. A field left out takes its source's default. A field the mode does not know, or a
 * value of the wrong shape or range, is a problem at its path naming what was expected, so that a typo is not
 * silently replaced by a default; every one of them is reported at once.
 */
public final class BackoffPolicyReader {

    private BackoffPolicyReader() {
    }

    /** The policy, or empty when the block has problems (each added to the file the block is read from). */
    public static Optional<BackoffPolicy> read(ConfigValue block) {
        return block.mapping("expected a mapping: mode (exponential, argo, step-functions, temporal) and that mode's "
                + "settings").flatMap(mapping -> mode(mapping).flatMap(mode -> {
                    BackoffFields fields = new BackoffFields(mapping, mode.yaml, mode.fields);
                    return switch (mode) {
                        case EXPONENTIAL -> exponential(fields);
                        case ARGO -> argo(fields, mapping);
                        case STEP_FUNCTIONS -> stepFunctions(fields);
                        case TEMPORAL -> temporal(fields);
                    };
                }));
    }

    private static Optional<Mode> mode(ConfigMapping block) {
        Optional<ConfigValue> given = block.get("mode");
        if (given.isEmpty()) {
            return Optional.of(Mode.EXPONENTIAL);
        }
        Optional<Mode> mode = given.get().asText().flatMap(Mode::of);
        if (mode.isEmpty()) {
            given.get().expected("exponential, argo, step-functions or temporal");
        }
        return mode;
    }

    private static Optional<BackoffPolicy> exponential(BackoffFields fields) {
        Duration initial = fields.duration("initial").orElse(ExponentialBackoff.DEFAULT_INITIAL);
        double factor = fields.number("factor").orElse(ExponentialBackoff.DEFAULT_FACTOR);
        Duration cap = fields.duration("cap").orElse(ExponentialBackoff.DEFAULT_CAP);
        Jitter jitter = fields.choice("jitter", Map.of("full", Jitter.FULL, "none", Jitter.NONE),
                List.of("full", "none")).orElse(ExponentialBackoff.DEFAULT_JITTER);
        Duration budget = fields.duration("budget").orElse(ExponentialBackoff.DEFAULT_BUDGET);
        Optional<Integer> maxAttempts = fields.wholeNumber("max-attempts");
        return fields.build(() -> new ExponentialBackoff(initial, factor, cap, jitter, Optional.of(budget),
                maxAttempts));
    }

    private static Optional<BackoffPolicy> argo(BackoffFields fields, ConfigMapping block) {
        block.required("duration", "required in an argo backoff, as Argo requires it: seconds as a whole number, or "
                + "a duration such as 2m");
        Optional<Duration> duration = fields.secondsOrDuration("duration");
        int factor = fields.wholeNumberOrText("factor").orElse(ArgoBackoff.DEFAULT_FACTOR);
        Optional<Duration> cap = fields.secondsOrDuration("cap");
        Optional<Duration> maxDuration = fields.secondsOrDuration("maxDuration");
        Optional<Integer> limit = fields.wholeNumberOrText("limit");
        return duration.flatMap(given -> fields.build(() -> new ArgoBackoff(given, factor, cap, maxDuration,
                limit)));
    }

    private static Optional<BackoffPolicy> stepFunctions(BackoffFields fields) {
        int interval = fields.wholeNumber("IntervalSeconds").orElse(StepFunctionsRetrier.DEFAULT_INTERVAL_SECONDS);
        double rate = fields.number("BackoffRate").orElse(StepFunctionsRetrier.DEFAULT_BACKOFF_RATE);
        int attempts = fields.wholeNumber("MaxAttempts").orElse(StepFunctionsRetrier.DEFAULT_MAX_ATTEMPTS);
        Optional<Integer> maxDelay = fields.wholeNumber("MaxDelaySeconds");
        Jitter jitter = fields.choice("JitterStrategy", Map.of("FULL", Jitter.FULL, "NONE", Jitter.NONE),
                List.of("FULL", "NONE")).orElse(StepFunctionsRetrier.DEFAULT_JITTER_STRATEGY);
        return fields.build(() -> new StepFunctionsRetrier(interval, rate, attempts, maxDelay, jitter));
    }

    private static Optional<BackoffPolicy> temporal(BackoffFields fields) {
        Duration initialInterval = fields.duration("initialInterval")
                .orElse(TemporalRetryPolicy.DEFAULT_INITIAL_INTERVAL);
        double coefficient = fields.number("backoffCoefficient")
                .orElse(TemporalRetryPolicy.DEFAULT_BACKOFF_COEFFICIENT);
        Duration maximumInterval = fields.duration("maximumInterval").orElse(
                initialInterval.multipliedBy(TemporalRetryPolicy.DEFAULT_MAXIMUM_INTERVAL_COEFFICIENT));
        int maximumAttempts = fields.wholeNumber("maximumAttempts")
                .orElse(TemporalRetryPolicy.DEFAULT_MAXIMUM_ATTEMPTS);
        List<String> nonRetryable = fields.names("nonRetryableErrorTypes", "error type names").orElse(List.of());
        return fields.build(() -> new TemporalRetryPolicy(initialInterval, coefficient, maximumInterval,
                maximumAttempts, nonRetryable));
    }

    /** The modes and, for each, the fields of its source system, in the order its documentation lists them. */
    private enum Mode {
        EXPONENTIAL("exponential", List.of("initial", "factor", "cap", "jitter", "budget", "max-attempts")),
        ARGO("argo", List.of("duration", "factor", "cap", "maxDuration", "limit")),
        STEP_FUNCTIONS("step-functions",
                List.of("IntervalSeconds", "BackoffRate", "MaxAttempts", "MaxDelaySeconds", "JitterStrategy")),
        TEMPORAL("temporal", List.of("initialInterval", "backoffCoefficient", "maximumInterval", "maximumAttempts",
                "nonRetryableErrorTypes"));

        private final String yaml;
        private final List<String> fields;

        Mode(String yaml, List<String> fields) {
            this.yaml = yaml;
            this.fields = fields;
        }

        static Optional<Mode> of(String name) {
            return Arrays.stream(values()).filter(mode -> mode.yaml.equals(name)).findFirst();
        }
    }
}
