package dev.quiver.orchestration.retry.backoff;

import java.time.Duration;
import java.util.Objects;

/**
 * What a backoff policy answers after a failed attempt. A stop carries the limit that was reached, so the run's record
 * can tell why a step was not tried again rather than only that it was not.
 */
public sealed interface BackoffDecision {

    /** Try again once {@code delay} has passed; zero means at once. */
    record Retry(Duration delay) implements BackoffDecision {
        public Retry {
            Objects.requireNonNull(delay, "delay");
            if (delay.isNegative()) {
                throw new IllegalArgumentException("delay: expected zero or more, got " + delay);
            }
        }
    }

    /** Do not try again; {@code reason} names the limit reached and the numbers that reached it. */
    record Stop(String reason) implements BackoffDecision {
        public Stop {
            if (reason == null || reason.isBlank()) {
                throw new IllegalArgumentException("reason: expected the limit that was reached, got nothing");
            }
        }
    }
}
