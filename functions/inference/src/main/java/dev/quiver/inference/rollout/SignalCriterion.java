package dev.quiver.inference.rollout;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
/**
 * A rule on a named signal of the canary ({@link RolloutSignal}), such as shadow agreement or live accuracy: once the
 * canary has at least {@code minTrials} trials of it, a rate below {@code minRate} rolls it back. A signal with fewer
 * trials (or none, when nothing measures it) is not judged, and the verdict says so.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record SignalCriterion(String name, double minRate, long minTrials) {
}
