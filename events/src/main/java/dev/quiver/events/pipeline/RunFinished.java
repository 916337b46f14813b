package dev.quiver.events.pipeline;

import java.util.Map;

/**
 * Payload of {@code dev.quiver.pipeline.run.completed} and {@code dev.quiver.pipeline.run.failed}.
 *
 * @param outcome {@code succeeded} or {@code failed}
 * @param steps   every step instance's final state ({@code SUCCEEDED}, {@code FAILED}, {@code SKIPPED},
 *                {@code UPSTREAM_FAILED})
 */
public record RunFinished(String runId, String pipeline, int pipelineVersion, String outcome,
                          Map<String, String> steps) {
}
