package dev.quiver.events.inference;

import java.util.List;

/**
 * Payload of {@code dev.quiver.inference.completed}.
 *
 * @param model        the model that answered
 * @param modelVersion the version that answered
 * @param outputs      the requested outputs
 */
public record InferenceCompleted(String model, String modelVersion, List<TensorPayload> outputs) {
}
