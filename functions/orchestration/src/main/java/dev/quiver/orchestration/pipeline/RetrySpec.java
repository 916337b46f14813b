package dev.quiver.orchestration.pipeline;

import dev.quiver.orchestration.retry.backoff.BackoffPolicy;
import java.util.Optional;

/**
 * A step's {@code retry} block as written; what it leaves out comes from {@code quiver.orchestration.retry.*}.
 *
 * <pre>
 * retry:
 *   max-attempts: 4                      # the first attempt included
 *   backoff: {mode: exponential, initial: 10s, factor: 2, cap: 10m, jitter: full, budget: 1h}
 *   memory: {factor: 2, ceiling: 8Gi}    # a retry for memory doubles the limit, up to 8 GiB
 *   convergence: {window: 3, min-delta: 0.005}
 *   quality-bar: {metric: accuracy, threshold: 0.9}   # when no select-models step downstream sets one
 *   upstream-reruns: 2
 *   same-failure-limit: 3
 * </pre>
 */
public record RetrySpec(Optional<Integer> maxAttempts, Optional<BackoffPolicy> backoff,
                        Optional<Double> memoryFactor, Optional<Long> memoryCeilingBytes,
                        Optional<Integer> convergenceWindow, Optional<Double> convergenceMinDelta,
                        Optional<QualityBar> qualityBar, Optional<Integer> upstreamReruns,
                        Optional<Integer> sameFailureLimit) {

    public static RetrySpec none() {
        return new RetrySpec(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
    }

    /** The metric a step's model must reach for it to be worth another attempt. */
    public record QualityBar(String metric, double threshold, boolean lowerIsBetter) {
    }
}
