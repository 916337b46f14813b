package dev.quiver.events.pipeline;

/** Payload of {@code dev.quiver.step.skipped}: a step instance that will not run, and why. */
public record StepSkipped(String runId, String instance, String reason) {
}
