package dev.quiver.events.pipeline;

/**
 * Payload of {@code dev.quiver.step.cancelled}: an operator stopped a running attempt (or its run), or Quiver stopped
 * one whose pace could not finish near its deadline. The executor running it stops it: the {@code process} executor
 * kills its process tree.
 *
 * @param requestedBy who asked ({@code quiver} for an attempt stopped as {@code TooSlow})
 */
public record StepCancelled(String runId, String pipeline, String instance, int attempt, String executor,
                            String requestedBy, String reason) {
}
