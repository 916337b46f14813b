package dev.quiver.events.pipeline;

/**
 * Payload of {@code dev.quiver.step.preempted}: the shared pool gave a running attempt's room to higher-priority work.
 * The executor running the attempt kills it; the step waits in the pool again, and its next attempt does not count
 * against its retries.
 *
 * @param by the workload that needed the room
 */
public record StepPreempted(String runId, String pipeline, String instance, int attempt, String by, String message) {
}
