package dev.quiver.events.pipeline;

/**
 * Payload of {@code dev.quiver.step.failed}: one attempt of a step instance failed.
 *
 * @param errorClass      what kind of failure, for the retry decision's classification table (for example
 *                        {@code OutOfMemory}, {@code NetworkError}, {@code InvalidConfiguration})
 * @param exitCode        the process's exit code; null when it did not exit on its own
 * @param killedForMemory whether the executor killed it for going over its memory limit
 */
public record StepFailed(String runId, String instance, int attempt, String errorClass, Integer exitCode,
                         boolean killedForMemory, String message) {
}
