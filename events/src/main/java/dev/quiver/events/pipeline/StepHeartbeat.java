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
 * @param checkpoint       the state the attempt saved so far: a retry of the step is given it as an input, to resume
 * @param workerThroughput of a step of several workers, each worker's throughput (items per second, in the step's own
 *                         unit) by worker name: one far slower than its peers is reported
 */
public record StepHeartbeat(String runId, String instance, int attempt, Instant observedAt, Double progressPercent,
                            Long memoryBytes, Long memoryLimitBytes, Map<String, Double> metrics,
                            Map<String, Boolean> dataAvailable, Checkpoint checkpoint,
                            Map<String, Double> workerThroughput) {

    /** A heartbeat without per-worker throughput. */
    public StepHeartbeat(String runId, String instance, int attempt, Instant observedAt, Double progressPercent,
                         Long memoryBytes, Long memoryLimitBytes, Map<String, Double> metrics,
                         Map<String, Boolean> dataAvailable, Checkpoint checkpoint) {
        this(runId, instance, attempt, observedAt, progressPercent, memoryBytes, memoryLimitBytes, metrics,
                dataAvailable, checkpoint, null);
    }

    /** A heartbeat without a checkpoint. */
    public StepHeartbeat(String runId, String instance, int attempt, Instant observedAt, Double progressPercent,
                         Long memoryBytes, Long memoryLimitBytes, Map<String, Double> metrics,
                         Map<String, Boolean> dataAvailable) {
        this(runId, instance, attempt, observedAt, progressPercent, memoryBytes, memoryLimitBytes, metrics,
                dataAvailable, null, null);
    }

    /** Where a checkpoint is, and its content digest when known. */
    public record Checkpoint(String uri, String digest) {
    }
}
