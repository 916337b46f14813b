package dev.quiver.admission.plan;

import java.time.Duration;

/**
 * One bandwidth of a plan: a bucket of {@code capacity} tokens refilled greedily by {@code refill} tokens per
 * {@code period}. A plan's limits all apply: a request passes only when every one of them has the tokens.
 */
public record Limit(String name, long capacity, long refill, Duration period) {

    public Limit {
        if (capacity < 1 || refill < 1 || period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException("limit " + name + ": capacity and refill must be at least 1 and "
                    + "the period positive, got capacity " + capacity + ", refill " + refill + " per " + period);
        }
        if (refill > period.toNanos()) {
            throw new IllegalArgumentException("limit " + name + ": " + refill + " per " + period + " is more than "
                    + "one token per nanosecond, the fastest refill a bucket supports");
        }
    }

    /** This limit split evenly over {@code replicas} replicas that cannot share their buckets, at least 1 each. */
    public Limit dividedAmong(int replicas) {
        return replicas <= 1 ? this
                : new Limit(name, Math.max(1, capacity / replicas), Math.max(1, refill / replicas), period);
    }

    /** Seconds until {@code remaining} tokens have grown back to the full capacity, rounded up. */
    public long secondsUntilFull(long remaining) {
        long missing = Math.max(0, capacity - remaining);
        if (missing == 0) {
            return 0;
        }
        double seconds = (double) missing * period.toNanos() / refill / 1e9;
        return (long) Math.ceil(seconds);
    }
}
