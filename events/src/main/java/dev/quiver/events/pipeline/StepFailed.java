package dev.quiver.events.pipeline;

import java.util.List;

/**
 * Payload of {@code dev.quiver.step.failed}: one attempt of a step instance failed.
 *
 * @param errorClass      what kind of failure, for the retry decision's classification table (for example
 *                        {@code OutOfMemory}, {@code NetworkError}, {@code InvalidConfiguration})
 * @param exitCode        the process's exit code; null when it did not exit on its own
 * @param killedForMemory whether the executor killed it for going over its memory limit
 * @param artifacts       what it left before it failed (a checkpoint, a model), which a retry decision may accept
 */
public record StepFailed(String runId, String instance, int attempt, String errorClass, Integer exitCode,
                         boolean killedForMemory, String message, List<StepCompleted.Artifact> artifacts) {

    public StepFailed(String runId, String instance, int attempt, String errorClass, Integer exitCode,
                      boolean killedForMemory, String message) {
        this(runId, instance, attempt, errorClass, exitCode, killedForMemory, message, null);
    }
}
