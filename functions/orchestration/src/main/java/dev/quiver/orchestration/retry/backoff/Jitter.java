package dev.quiver.orchestration.retry.backoff;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * How much of a computed delay is waited. The steps of a pipeline tend to fail together (a store or a model server
 * goes away), and identical delays would send them back together too; a draw spreads them out.
 */
public enum Jitter {

    /** A uniform draw from zero up to the computed delay, as AWS's "full jitter". */
    FULL,

    /** The computed delay, exactly. */
    NONE;

    /** {@code delay} must fit in {@link Duration#toNanos()}, as every delay {@link ExponentialDelay} gives does. */
    Duration apply(Duration delay, RandomGenerator random) {
        return switch (this) {
            case FULL -> Duration.ofNanos((long) (delay.toNanos() * random.nextDouble()));
            case NONE -> delay;
        };
    }
}
