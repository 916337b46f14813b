package dev.quiver.orchestration.retry;

import dev.quiver.orchestration.retry.backoff.BackoffPolicy;
import java.util.Optional;

/**
 * How a step's failures are handled: its pipeline's {@code retry} block over the defaults of
 * {@code quiver.orchestration.retry.*}.
 *
 * @param maxAttempts      attempts in all, the first included
 * @param backoff          the wait before a retry, and its own limits (budget, attempts)
 * @param memory           how a retry for memory grows the limit
 * @param convergence      when a training's metric counts as converged
 * @param qualityBar       the metric and threshold a model must reach, when no selection step downstream says it
 * @param upstreamReruns   how many RERUN_UPSTREAM decisions a run may have in all (bounds the depth of re-running)
 * @param sameFailureLimit this many attempts failing the same way with no more progress than the first stop retries
 * @param nearLimit        the share of the memory limit a spike must reach to count as "near the limit"
 * @param spikeFactor      how many times the attempt's median memory a sample must be to count as a spike
 */
public record RetryPolicy(int maxAttempts, BackoffPolicy backoff, MemoryGrowth memory, Convergence convergence,
                          Optional<FailureEvidence.QualityBar> qualityBar, int upstreamReruns, int sameFailureLimit,
                          double nearLimit, double spikeFactor) {

    public RetryPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("max-attempts: expected a whole number from 1, got " + maxAttempts);
        }
        if (upstreamReruns < 0) {
            throw new IllegalArgumentException("upstream-reruns: expected a whole number from 0, got "
                    + upstreamReruns);
        }
        if (sameFailureLimit < 2) {
            throw new IllegalArgumentException("same-failure-limit: expected a whole number from 2, got "
                    + sameFailureLimit);
        }
        if (!(nearLimit > 0 && nearLimit <= 1)) {
            throw new IllegalArgumentException("near-limit: expected a share above 0 and at most 1, got " + nearLimit);
        }
        if (!(spikeFactor > 1)) {
            throw new IllegalArgumentException("spike-factor: expected a number above 1, got " + spikeFactor);
        }
    }

    /**
     * @param factor       the next limit is the larger of the limit and the peak, times this
     * @param ceilingBytes no limit grows past this; a step killed at the ceiling is not retried
     */
    public record MemoryGrowth(double factor, long ceilingBytes) {
        public MemoryGrowth {
            if (!(factor > 1)) {
                throw new IllegalArgumentException("memory.factor: expected a number above 1, got " + factor);
            }
            if (ceilingBytes < 1) {
                throw new IllegalArgumentException("memory.ceiling: expected a positive quantity, got "
                        + ceilingBytes);
            }
        }
    }

    /**
     * @param window   the last this many values of the metric are weighed
     * @param minDelta a rise of less than this over the window is no rise (flat)
     */
    public record Convergence(int window, double minDelta) {
        public Convergence {
            if (window < 2) {
                throw new IllegalArgumentException("convergence.window: expected a whole number from 2, got "
                        + window);
            }
            if (minDelta < 0) {
                throw new IllegalArgumentException("convergence.min-delta: expected 0 or more, got " + minDelta);
            }
        }
    }
}
