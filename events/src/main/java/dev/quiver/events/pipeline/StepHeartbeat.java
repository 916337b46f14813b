package dev.quiver.events.pipeline;

import java.time.Instant;
import java.util.Map;

/**
 * Payload of {@code dev.quiver.step.heartbeat}: what an executor observed of a running attempt. Every field but the
 * attempt's identity is optional; each given one becomes a sample of a time series of the attempt.
 *
 * @param observedAt       when it was observed; the time it is recorded when null
 * @param progressPercent  from 0 to 100
 * @param memoryBytes      memory in use
 * @param memoryLimitBytes the attempt's memory limit
 * @param metrics          quality figures, for example {@code {"epoch": 7, "accuracy": 0.27}}
 * @param dataAvailable    data availability checks by name, for example {@code {"training-set": true}}
 */
public record StepHeartbeat(String runId, String instance, int attempt, Instant observedAt, Double progressPercent,
                            Long memoryBytes, Long memoryLimitBytes, Map<String, Double> metrics,
                            Map<String, Boolean> dataAvailable) {
}
