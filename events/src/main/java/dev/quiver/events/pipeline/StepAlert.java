package dev.quiver.events.pipeline;

/**
 * Payload of {@code dev.quiver.step.alert.raised}: a step was given up on (retries spent, or the same failure again
 * with no progress), or a worker of a running step is far slower than its peers (error class {@code SlowWorker}), and
 * someone should look.
 */
public record StepAlert(String runId, String pipeline, String instance, int attempt, String errorClass,
                        String reason) {
}
