package dev.quiver.orchestration.retry.backoff;

import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * How long a failed step waits before its next attempt, and when it is no longer retried: Quiver's own
 * {@link ExponentialBackoff}, or the arithmetic of Argo Workflows, AWS Step Functions or Temporal, so that a pipeline
 * brought over from one of them retries as it did there.
 *
 * <p>A pure function of its arguments: the caller keeps the attempt count and the clock, and passes the random
 * generator that jitter draws from, so that a decision can be replayed and tested.
 */
public sealed interface BackoffPolicy
        permits ExponentialBackoff, ArgoBackoff, StepFunctionsRetrier, TemporalRetryPolicy {

    /**
     * @param failedAttempt            the attempt that just failed, 1 for the first
     * @param elapsedSinceFirstAttempt from the start of the first attempt to this failure; the budgets of
     *                                 {@link ExponentialBackoff} and {@link ArgoBackoff} count it
     * @param errorType                the failure's type as the step reported it, or null if it reported none; only
     *                                 {@link TemporalRetryPolicy}'s non-retryable types weigh it
     * @param random                   what jitter draws from; a policy without jitter leaves it untouched
     */
    default BackoffDecision next(int failedAttempt, Duration elapsedSinceFirstAttempt, String errorType,
                                 RandomGenerator random) {
        if (failedAttempt < 1) {
            throw new IllegalArgumentException("failedAttempt: expected 1 or more (1 is the first attempt), got "
                    + failedAttempt);
        }
        Objects.requireNonNull(elapsedSinceFirstAttempt, "elapsedSinceFirstAttempt");
        if (elapsedSinceFirstAttempt.isNegative()) {
            throw new IllegalArgumentException("elapsedSinceFirstAttempt: expected zero or more, got "
                    + elapsedSinceFirstAttempt);
        }
        Objects.requireNonNull(random, "random");
        return switch (this) {
            case ExponentialBackoff policy -> policy.decide(failedAttempt, elapsedSinceFirstAttempt, random);
            case ArgoBackoff policy -> policy.decide(failedAttempt, elapsedSinceFirstAttempt);
            case StepFunctionsRetrier policy -> policy.decide(failedAttempt, random);
            case TemporalRetryPolicy policy -> policy.decide(failedAttempt, errorType);
        };
    }
}
