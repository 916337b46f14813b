package dev.quiver.orchestration.retry.backoff;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Builds a backoff policy from a pipeline's {@code retry.backoff} block, as read from YAML into plain values.
 *
 * <p>{@code mode} picks the arithmetic ({@code exponential} when left out); every other field keeps the name its
 * source system gives it, so a block copied from an Argo template, a Step Functions retrier or a Temporal RetryPolicy
 * means here what it meant there. A field left out takes its source's default. A field the mode does not know, or a
 * value of the wrong shape or range, is refused with an {@link IllegalArgumentException} naming the field and what it
 * expected, so that a typo is not silently replaced by a default.
 */
public final class BackoffPolicyReader {

    private BackoffPolicyReader() {
    }

    public static BackoffPolicy read(Map<String, ?> block) {
        Objects.requireNonNull(block, "block");
        Mode mode = Mode.of(block.containsKey("mode") ? block.get("mode") : Mode.EXPONENTIAL.yaml);
        BackoffFields fields = new BackoffFields(block, mode.yaml, mode.fields);
        return switch (mode) {
            case EXPONENTIAL -> exponential(fields);
            case ARGO -> argo(fields);
            case STEP_FUNCTIONS -> stepFunctions(fields);
            case TEMPORAL -> temporal(fields);
        };
    }

    private static ExponentialBackoff exponential(BackoffFields fields) {
        return new ExponentialBackoff(
                fields.duration("initial").orElse(ExponentialBackoff.DEFAULT_INITIAL),
                fields.number("factor").orElse(ExponentialBackoff.DEFAULT_FACTOR),
                fields.duration("cap").orElse(ExponentialBackoff.DEFAULT_CAP),
                fields.choice("jitter", Map.of("full", Jitter.FULL, "none", Jitter.NONE), List.of("full", "none"))
                        .orElse(ExponentialBackoff.DEFAULT_JITTER),
                Optional.of(fields.duration("budget").orElse(ExponentialBackoff.DEFAULT_BUDGET)),
                fields.wholeNumber("max-attempts"));
    }

    private static ArgoBackoff argo(BackoffFields fields) {
        return new ArgoBackoff(
                fields.secondsOrDuration("duration").orElseThrow(() -> new IllegalArgumentException(
                        "duration: required in an argo backoff, as Argo requires it: seconds as a whole number, or a "
                                + "duration such as 2m")),
                fields.wholeNumberOrText("factor").orElse(ArgoBackoff.DEFAULT_FACTOR),
                fields.secondsOrDuration("cap"),
                fields.secondsOrDuration("maxDuration"),
                fields.wholeNumberOrText("limit"));
    }

    private static StepFunctionsRetrier stepFunctions(BackoffFields fields) {
        return new StepFunctionsRetrier(
                fields.wholeNumber("IntervalSeconds").orElse(StepFunctionsRetrier.DEFAULT_INTERVAL_SECONDS),
                fields.number("BackoffRate").orElse(StepFunctionsRetrier.DEFAULT_BACKOFF_RATE),
                fields.wholeNumber("MaxAttempts").orElse(StepFunctionsRetrier.DEFAULT_MAX_ATTEMPTS),
                fields.wholeNumber("MaxDelaySeconds"),
                fields.choice("JitterStrategy", Map.of("FULL", Jitter.FULL, "NONE", Jitter.NONE),
                        List.of("FULL", "NONE")).orElse(StepFunctionsRetrier.DEFAULT_JITTER_STRATEGY));
    }

    private static TemporalRetryPolicy temporal(BackoffFields fields) {
        Duration initialInterval = fields.duration("initialInterval")
                .orElse(TemporalRetryPolicy.DEFAULT_INITIAL_INTERVAL);
        return new TemporalRetryPolicy(
                initialInterval,
                fields.number("backoffCoefficient").orElse(TemporalRetryPolicy.DEFAULT_BACKOFF_COEFFICIENT),
                fields.duration("maximumInterval").orElse(
                        initialInterval.multipliedBy(TemporalRetryPolicy.DEFAULT_MAXIMUM_INTERVAL_COEFFICIENT)),
                fields.wholeNumber("maximumAttempts").orElse(TemporalRetryPolicy.DEFAULT_MAXIMUM_ATTEMPTS),
                fields.names("nonRetryableErrorTypes", "error type names").orElse(List.of()));
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

        static Mode of(Object value) {
            return Arrays.stream(values())
                    .filter(mode -> mode.yaml.equals(value))
                    .findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("mode: expected exponential, argo, step-functions "
                            + "or temporal, got " + (value instanceof String text ? "\"" + text + "\"" : value)));
        }
    }
}
