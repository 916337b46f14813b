package dev.quiver.events.pipeline;

import java.util.Map;

/**
 * Payload of {@code dev.quiver.pipeline.run.requested}. The run's id follows from the request event's source and id,
 * so a redelivered request finds the run it created.
 *
 * @param pipeline   a registered pipeline's name
 * @param version    the pipeline version to run; the latest registered when null
 * @param parameters merged over every step's parameters (a step's own for-each set wins)
 */
public record RunRequested(String pipeline, Integer version, Map<String, Object> parameters) {
}
