package dev.quiver.orchestration.retry.backoff;

import dev.quiver.orchestration.retry.backoff.BackoffDecision.Retry;
import dev.quiver.orchestration.retry.backoff.BackoffDecision.Stop;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * Quiver's own backoff: the retry after failed attempt n waits min(initial × factor^(n−1), cap), drawn between zero
 * and that with full jitter, within a budget of time and, if given, a number of attempts.
 *
 * <p>The budget counts from the start of the first attempt and bounds when an attempt may start: a retry whose delay
 * would start it past the budget is not made, rather than made with a shortened wait that would crowd the dependency
 * that is failing.
 *
 * <p>The defaults, for a {@code retry.backoff} block that leaves a field out, are {@link #DEFAULT_INITIAL 10 s}
 * initial, factor {@link #DEFAULT_FACTOR 2}, a cap of {@link #DEFAULT_CAP 10 min}, {@link #DEFAULT_JITTER full}
 * jitter, a budget of {@link #DEFAULT_BUDGET 1 h} and no limit on attempts. Ten seconds outlasts a restarting pod or a
 * dropped connection; the cap keeps a step from idling long after its dependency is back; the budget gives up on a
 * dependency that stays down instead of holding the run open.
 *
 * @param initial     the first delay ({@code initial})
 * @param factor      what each delay is multiplied by for the next ({@code factor}); 1 keeps every delay at initial
 * @param cap         the longest delay ({@code cap})
 * @param jitter      {@code jitter}: {@code full} or {@code none}
 * @param budget      the time from the first attempt's start within which every attempt must start ({@code budget})
 * @param maxAttempts the most attempts, the first included ({@code max-attempts}), as the step's retry limit counts
 */
public record ExponentialBackoff(Duration initial, double factor, Duration cap, Jitter jitter,
                                 Optional<Duration> budget, Optional<Integer> maxAttempts) implements BackoffPolicy {

    public static final Duration DEFAULT_INITIAL = Duration.ofSeconds(10);
    public static final double DEFAULT_FACTOR = 2.0;
    public static final Duration DEFAULT_CAP = Duration.ofMinutes(10);
    public static final Jitter DEFAULT_JITTER = Jitter.FULL;
    public static final Duration DEFAULT_BUDGET = Duration.ofHours(1);

    public ExponentialBackoff {
        Objects.requireNonNull(initial, "initial");
        Objects.requireNonNull(cap, "cap");
        Objects.requireNonNull(jitter, "jitter");
        Objects.requireNonNull(budget, "budget");
        Objects.requireNonNull(maxAttempts, "maxAttempts");
        if (initial.isNegative() || initial.isZero()) {
            throw new IllegalArgumentException("initial: expected a positive duration, got " + initial);
        }
        if (!Double.isFinite(factor) || factor < 1) {
            throw new IllegalArgumentException("factor: expected a number from 1 (1 keeps every delay at initial), got "
                    + factor);
        }
        if (cap.compareTo(initial) < 0) {
            throw new IllegalArgumentException("cap: expected a duration no shorter than initial " + initial + ", got "
                    + cap);
        }
        if (budget.isPresent() && (budget.get().isNegative() || budget.get().isZero())) {
            throw new IllegalArgumentException("budget: expected a positive duration, got " + budget.get());
        }
        if (maxAttempts.isPresent() && maxAttempts.get() < 1) {
            throw new IllegalArgumentException("max-attempts: expected a whole number from 1 (the first attempt "
                    + "included), got " + maxAttempts.get());
        }
        if (budget.isEmpty() && maxAttempts.isEmpty()) {
            throw new IllegalArgumentException("budget: expected a budget, max-attempts or both; without either the "
                    + "retries never stop");
        }
    }

    BackoffDecision decide(int failedAttempt, Duration elapsed, RandomGenerator random) {
        if (maxAttempts.isPresent() && failedAttempt >= maxAttempts.get()) {
            return new Stop("max-attempts " + maxAttempts.get() + " reached: attempt " + failedAttempt + " failed");
        }
        if (budget.isPresent() && elapsed.compareTo(budget.get()) >= 0) {
            return new Stop("budget " + budget.get() + " spent: " + elapsed + " since the first attempt started");
        }
        Duration delay = jitter.apply(ExponentialDelay.of(initial, factor, failedAttempt, Optional.of(cap)), random);
        if (budget.isPresent() && elapsed.plus(delay).compareTo(budget.get()) > 0) {
            return new Stop("budget " + budget.get() + " would be passed: " + elapsed + " since the first attempt "
                    + "started and the next delay is " + delay);
        }
        return new Retry(delay);
    }
}
