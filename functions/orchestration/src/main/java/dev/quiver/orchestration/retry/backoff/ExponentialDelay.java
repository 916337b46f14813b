package dev.quiver.orchestration.retry.backoff;

import java.time.Duration;
import java.util.Optional;

/**
 * The delay before the retry that follows failed attempt n in every mode: base × factor^(n−1), at most the cap.
 * Computed in floating point and truncated to whole nanoseconds, as Temporal's server does; growth past some 292 years
 * saturates there instead of overflowing, so an uncapped policy late in a long run still yields a delay.
 */
final class ExponentialDelay {

    private static final Duration LONGEST = Duration.ofNanos(Long.MAX_VALUE);

    private ExponentialDelay() {
    }

    static Duration of(Duration base, double factor, int failedAttempt, Optional<Duration> cap) {
        double nanos = (base.getSeconds() * 1e9 + base.getNano()) * Math.pow(factor, failedAttempt - 1);
        Duration grown = nanos >= Long.MAX_VALUE ? LONGEST : Duration.ofNanos((long) nanos);
        return cap.filter(limit -> limit.compareTo(grown) < 0).orElse(grown);
    }
}
