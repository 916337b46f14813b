package dev.quiver.inference.rollout;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;

/**
 * What a canary must show at each step to go on. A step is judged once the canary has served {@code minRequests}
 * (and the stable version as many, or has figures from an earlier step to compare with); then the canary is rolled
 * back when its fault rate is more than {@code maxFaultRateIncrease} above the stable version's, its output-check
 * failure rate more than {@code maxOutputCheckFailureIncrease} above, or its latency at {@code latencyQuantile} more
 * than {@code maxLatencyRatio} times the stable version's and at least {@code minLatencyIncreaseMs} slower (so that
 * microseconds of noise on a fast model roll nothing back), or a named signal is below its rule.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record CanaryCriteria(long minRequests, double maxFaultRateIncrease, double maxOutputCheckFailureIncrease,
                             double latencyQuantile, double maxLatencyRatio, double minLatencyIncreaseMs,
                             List<SignalCriterion> signals) {

    public CanaryCriteria {
        signals = signals == null ? List.of() : List.copyOf(signals);
    }
}
