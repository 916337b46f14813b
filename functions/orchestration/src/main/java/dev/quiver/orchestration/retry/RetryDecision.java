package dev.quiver.orchestration.retry;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The one action decided for a failed attempt, why, and on what evidence.
 *
 * @param action      what is done
 * @param reasons     why, most decisive first, each a sentence with its figures
 * @param evidence    the figures the reasons rest on, by name (for the record and the event)
 * @param delay       how long to wait before the next attempt (RETRY, RETRY_WITH_RESOURCES); zero otherwise
 * @param memoryBytes the next attempt's memory limit (RETRY_WITH_RESOURCES); null otherwise
 * @param upstream    the instance to run again first (RERUN_UPSTREAM); null otherwise
 */
public record RetryDecision(RetryAction action, List<String> reasons, Map<String, Object> evidence, Duration delay,
                            Long memoryBytes, String upstream) {

    public RetryDecision {
        Objects.requireNonNull(action, "action");
        reasons = List.copyOf(reasons);
        evidence = Map.copyOf(evidence);
        Objects.requireNonNull(delay, "delay");
        if (reasons.isEmpty()) {
            throw new IllegalArgumentException("reasons: a decision says why");
        }
        if ((action == RetryAction.RETRY_WITH_RESOURCES) != (memoryBytes != null)) {
            throw new IllegalArgumentException("memoryBytes: given exactly for RETRY_WITH_RESOURCES");
        }
        if ((action == RetryAction.RERUN_UPSTREAM) != (upstream != null)) {
            throw new IllegalArgumentException("upstream: given exactly for RERUN_UPSTREAM");
        }
    }
}
