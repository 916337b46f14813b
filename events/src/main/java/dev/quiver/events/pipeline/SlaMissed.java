package dev.quiver.events.pipeline;

/**
 * Payload of {@code dev.quiver.pipeline.sla.missed}: a run took longer than its pipeline's {@code sla}, or a step's
 * attempt longer than its {@code expected-duration}. Sent once per miss, when it is first seen: while the run or
 * attempt still runs, or after it ended late.
 *
 * @param kind            {@code run} or {@code step}
 * @param instance        the step instance, for a step's miss
 * @param attempt         its attempt, for a step's miss
 * @param expectedSeconds the SLA or expected duration
 * @param elapsedSeconds  how long it had taken when the miss was seen
 * @param state           the run's or attempt's state then
 */
public record SlaMissed(String runId, String pipeline, int pipelineVersion, String kind, String instance,
                        Integer attempt, double expectedSeconds, double elapsedSeconds, String state) {
}
