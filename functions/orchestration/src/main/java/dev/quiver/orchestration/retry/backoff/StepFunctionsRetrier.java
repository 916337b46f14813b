package dev.quiver.orchestration.retry.backoff;

import dev.quiver.orchestration.retry.backoff.BackoffDecision.Retry;
import dev.quiver.orchestration.retry.backoff.BackoffDecision.Stop;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * An AWS Step Functions retrier (one entry of a state's {@code Retry} field), with the arithmetic of the guide's
 * "Handling errors in Step Functions workflows": the retry after failed attempt n waits
 * IntervalSeconds × BackoffRate^(n−1) seconds, at most MaxDelaySeconds, and with JitterStrategy FULL a draw between
 * zero and that. MaxAttempts counts retries, not attempts, so 0 never retries.
 *
 * <p>ErrorEquals is not part of it: which failures a retrier handles is settled before its arithmetic is asked.
 * The ranges are those the documentation gives, so a retrier Step Functions would refuse is refused here too.
 *
 * @param intervalSeconds the first wait in seconds ({@code IntervalSeconds}, 1 by default)
 * @param backoffRate     what each wait is multiplied by for the next ({@code BackoffRate}, 2.0 by default)
 * @param maxAttempts     the most retries ({@code MaxAttempts}, 3 by default)
 * @param maxDelaySeconds the longest wait in seconds ({@code MaxDelaySeconds}); none by default
 * @param jitterStrategy  {@code JitterStrategy}: FULL or NONE, NONE by default
 */
public record StepFunctionsRetrier(int intervalSeconds, double backoffRate, int maxAttempts,
                                   Optional<Integer> maxDelaySeconds, Jitter jitterStrategy) implements BackoffPolicy {

    public static final int DEFAULT_INTERVAL_SECONDS = 1;
    public static final double DEFAULT_BACKOFF_RATE = 2.0;
    public static final int DEFAULT_MAX_ATTEMPTS = 3;
    public static final Jitter DEFAULT_JITTER_STRATEGY = Jitter.NONE;

    private static final int LARGEST_INTERVAL_SECONDS = 99_999_999;
    private static final int LARGEST_MAX_ATTEMPTS = 99_999_999;
    private static final int LARGEST_MAX_DELAY_SECONDS = 31_622_400;

    public StepFunctionsRetrier {
        Objects.requireNonNull(maxDelaySeconds, "maxDelaySeconds");
        Objects.requireNonNull(jitterStrategy, "jitterStrategy");
        if (intervalSeconds < 1 || intervalSeconds > LARGEST_INTERVAL_SECONDS) {
            throw new IllegalArgumentException("IntervalSeconds: expected a whole number from 1 to "
                    + LARGEST_INTERVAL_SECONDS + ", got " + intervalSeconds);
        }
        if (!Double.isFinite(backoffRate) || backoffRate < 1) {
            throw new IllegalArgumentException("BackoffRate: expected a number from 1.0, got " + backoffRate);
        }
        if (maxAttempts < 0 || maxAttempts > LARGEST_MAX_ATTEMPTS) {
            throw new IllegalArgumentException("MaxAttempts: expected a whole number from 0 (never retry) to "
                    + LARGEST_MAX_ATTEMPTS + ", got " + maxAttempts);
        }
        if (maxDelaySeconds.isPresent()
                && (maxDelaySeconds.get() < 1 || maxDelaySeconds.get() > LARGEST_MAX_DELAY_SECONDS)) {
            throw new IllegalArgumentException("MaxDelaySeconds: expected a whole number from 1 to "
                    + LARGEST_MAX_DELAY_SECONDS + ", got " + maxDelaySeconds.get());
        }
    }

    BackoffDecision decide(int failedAttempt, RandomGenerator random) {
        if (failedAttempt > maxAttempts) {
            return new Stop("MaxAttempts " + maxAttempts + " reached: attempt " + failedAttempt + " failed after "
                    + maxAttempts + " retries");
        }
        Duration wait = ExponentialDelay.of(Duration.ofSeconds(intervalSeconds), backoffRate, failedAttempt,
                maxDelaySeconds.map(Duration::ofSeconds));
        return new Retry(jitterStrategy.apply(wait, random));
    }
}
