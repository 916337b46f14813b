package dev.quiver.orchestration.retry.backoff;

import dev.quiver.orchestration.retry.backoff.BackoffDecision.Retry;
import dev.quiver.orchestration.retry.backoff.BackoffDecision.Stop;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A Temporal RetryPolicy, decided as Temporal's server decides it (getBackoffInterval in service/history/workflow): a
 * failure of a non-retryable type stops at once, whatever the count; otherwise the retry after failed attempt n waits
 * initialInterval × backoffCoefficient^(n−1), at most maximumInterval. maximumAttempts counts attempts, the first
 * included; 0 leaves them unlimited.
 *
 * <p>Temporal bounds the total time of retries with timeouts of the workflow or activity, not with its retry policy;
 * the time since the first attempt is therefore not weighed here.
 *
 * @param initialInterval        the first wait ({@code initialInterval}, 1 s by default)
 * @param backoffCoefficient     what each wait is multiplied by for the next ({@code backoffCoefficient}, 2.0 by
 *                               default)
 * @param maximumInterval        the longest wait ({@code maximumInterval}, 100 × initialInterval by default)
 * @param maximumAttempts        the most attempts, the first included ({@code maximumAttempts}); 0, the default, is
 *                               unlimited and 1 never retries
 * @param nonRetryableErrorTypes error types that are never retried ({@code nonRetryableErrorTypes}), matched whole and
 *                               case-sensitively against the failure's type, as Temporal matches them
 */
public record TemporalRetryPolicy(Duration initialInterval, double backoffCoefficient, Duration maximumInterval,
                                  int maximumAttempts, List<String> nonRetryableErrorTypes) implements BackoffPolicy {

    public static final Duration DEFAULT_INITIAL_INTERVAL = Duration.ofSeconds(1);
    public static final double DEFAULT_BACKOFF_COEFFICIENT = 2.0;
    /** maximumInterval is this many times initialInterval when left out. */
    public static final int DEFAULT_MAXIMUM_INTERVAL_COEFFICIENT = 100;
    public static final int DEFAULT_MAXIMUM_ATTEMPTS = 0;

    public TemporalRetryPolicy {
        Objects.requireNonNull(initialInterval, "initialInterval");
        Objects.requireNonNull(maximumInterval, "maximumInterval");
        Objects.requireNonNull(nonRetryableErrorTypes, "nonRetryableErrorTypes");
        if (initialInterval.isNegative() || initialInterval.isZero()) {
            throw new IllegalArgumentException("initialInterval: expected a positive duration, got " + initialInterval);
        }
        if (!Double.isFinite(backoffCoefficient) || backoffCoefficient < 1) {
            throw new IllegalArgumentException("backoffCoefficient: expected a number from 1.0, got "
                    + backoffCoefficient);
        }
        if (maximumInterval.compareTo(initialInterval) < 0) {
            throw new IllegalArgumentException("maximumInterval: expected a duration no shorter than initialInterval "
                    + initialInterval + ", got " + maximumInterval);
        }
        if (maximumAttempts < 0) {
            throw new IllegalArgumentException("maximumAttempts: expected a whole number from 0 (0 is unlimited), got "
                    + maximumAttempts);
        }
        for (String type : nonRetryableErrorTypes) {
            if (type == null || type.isBlank()) {
                throw new IllegalArgumentException("nonRetryableErrorTypes: expected error type names, got "
                        + nonRetryableErrorTypes);
            }
        }
        nonRetryableErrorTypes = List.copyOf(nonRetryableErrorTypes);
    }

    BackoffDecision decide(int failedAttempt, String errorType) {
        if (errorType != null && nonRetryableErrorTypes.contains(errorType)) {
            return new Stop("nonRetryableErrorTypes lists " + errorType + ", the type of attempt " + failedAttempt
                    + "'s failure");
        }
        if (maximumAttempts > 0 && failedAttempt >= maximumAttempts) {
            return new Stop("maximumAttempts " + maximumAttempts + " reached: attempt " + failedAttempt + " failed");
        }
        return new Retry(ExponentialDelay.of(initialInterval, backoffCoefficient, failedAttempt,
                Optional.of(maximumInterval)));
    }
}
