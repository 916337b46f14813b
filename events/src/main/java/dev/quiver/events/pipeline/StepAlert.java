package dev.quiver.events.pipeline;

/**
 * Payload of {@code dev.quiver.step.alert.raised}: a step was given up on (retries spent, or the same failure again
 * with no progress), or a worker of a running step is far slower than its peers (error class {@code SlowWorker}), and
 * someone should look.
 *
 * @param worker the slow worker a {@code SlowWorker} alert is about, as the step's heartbeats name it; absent otherwise
 */
public record StepAlert(String runId, String pipeline, String instance, int attempt, String errorClass,
                        String reason, String worker) {

    /** An alert about the step as a whole. */
    public StepAlert(String runId, String pipeline, String instance, int attempt, String errorClass, String reason) {
        this(runId, pipeline, instance, attempt, errorClass, reason, null);
    }
}
