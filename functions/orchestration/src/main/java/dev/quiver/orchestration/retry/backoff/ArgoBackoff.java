package dev.quiver.orchestration.retry.backoff;

import dev.quiver.orchestration.retry.backoff.BackoffDecision.Retry;
import dev.quiver.orchestration.retry.backoff.BackoffDecision.Stop;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * An Argo Workflows {@code retryStrategy} with its {@code backoff}, decided as Argo's workflow controller decides it
 * (processNodeRetries in workflow/controller/operator.go), so that a template moved from Argo waits as it did there.
 *
 * <p>The retry after failed attempt n waits duration × factor^(n−1), at most cap. maxDuration counts from the start of
 * the first attempt: a failure after it ends the retries, and so does a wait that would end after it, since Argo
 * finds it futile to wait for a retry it would not make. Argo weighs maxDuration before limit, and so does this.
 *
 * @param duration    the first wait ({@code backoff.duration}); Argo requires it once a backoff is given
 * @param factor      the whole number each wait is multiplied by ({@code backoff.factor}); 1 keeps the wait constant,
 *                    as leaving the factor out does in Argo
 * @param cap         the longest wait ({@code backoff.cap}); none by default
 * @param maxDuration the time from the first attempt's start after which no retry is made
 *                    ({@code backoff.maxDuration}); none by default
 * @param limit       the most retries, the first attempt not included ({@code retryStrategy.limit}); none by default,
 *                    as in Argo, where a retryStrategy without a limit retries until the step succeeds
 */
public record ArgoBackoff(Duration duration, int factor, Optional<Duration> cap, Optional<Duration> maxDuration,
                          Optional<Integer> limit) implements BackoffPolicy {

    /** A factor of 1, the same arithmetic as Argo's when {@code backoff.factor} is left out. */
    public static final int DEFAULT_FACTOR = 1;

    public ArgoBackoff {
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(cap, "cap");
        Objects.requireNonNull(maxDuration, "maxDuration");
        Objects.requireNonNull(limit, "limit");
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("duration: expected a positive duration, got " + duration);
        }
        if (factor < 1) {
            throw new IllegalArgumentException("factor: expected a whole number from 1, got " + factor);
        }
        if (cap.isPresent() && (cap.get().isNegative() || cap.get().isZero())) {
            throw new IllegalArgumentException("cap: expected a positive duration, got " + cap.get());
        }
        if (maxDuration.isPresent() && (maxDuration.get().isNegative() || maxDuration.get().isZero())) {
            throw new IllegalArgumentException("maxDuration: expected a positive duration, got " + maxDuration.get());
        }
        if (limit.isPresent() && limit.get() < 0) {
            throw new IllegalArgumentException("limit: expected a whole number from 0 (the retries after the first "
                    + "attempt), got " + limit.get());
        }
    }

    BackoffDecision decide(int failedAttempt, Duration elapsed) {
        Duration wait = ExponentialDelay.of(duration, factor, failedAttempt, cap);
        if (maxDuration.isPresent()) {
            if (elapsed.compareTo(maxDuration.get()) > 0) {
                return new Stop("maxDuration " + maxDuration.get() + " exceeded: " + elapsed
                        + " since the first attempt started");
            }
            if (elapsed.plus(wait).compareTo(maxDuration.get()) > 0) {
                return new Stop("backoff of " + wait + " would exceed maxDuration " + maxDuration.get() + ": "
                        + elapsed + " since the first attempt started");
            }
        }
        if (limit.isPresent() && failedAttempt > limit.get()) {
            return new Stop("limit " + limit.get() + " reached: no more retries left after attempt " + failedAttempt);
        }
        return new Retry(wait);
    }
}
