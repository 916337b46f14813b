package dev.quiver.events.pipeline;

import java.util.List;
import java.util.Map;

/**
 * Payload of {@code dev.quiver.step.completed}: one attempt of a step instance succeeded.
 *
 * @param outputs   values later steps may use
 * @param metrics   named figures (accuracy, loss, record count) that selection and memoization read
 * @param artifacts files the step produced, by location and content digest
 */
public record StepCompleted(String runId, String instance, int attempt, Map<String, Object> outputs,
                            Map<String, Double> metrics, List<Artifact> artifacts) {

    /**
     * @param uri    where it is: {@code s3://bucket/key} or a file path
     * @param digest {@code sha256:<hex>} of its content
     */
    public record Artifact(String name, String uri, String digest) {
    }
}
