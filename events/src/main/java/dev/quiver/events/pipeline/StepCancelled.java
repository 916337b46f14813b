package dev.quiver.events.pipeline;

/**
 * Payload of {@code dev.quiver.step.cancelled}: an operator stopped a running attempt (or its run), or the
 * orchestration function failed it while it ran: past its deadline, silent, stalled, or too slow to finish near its
 * deadline. The executor running it stops it: the {@code process} executor kills its process tree, the
 * {@code kubernetes-job} executor deletes its Job.
 *
 * @param requestedBy who asked; {@code quiver} for an attempt the orchestration function failed while it ran
 */
public record StepCancelled(String runId, String pipeline, String instance, int attempt, String executor,
                            String requestedBy, String reason) {
}
