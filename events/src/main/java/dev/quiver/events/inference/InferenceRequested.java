package dev.quiver.events.inference;

import java.util.List;

/**
 * Payload of {@code dev.quiver.inference.requested}.
 *
 * @param model   the model name
 * @param version a model version number or one of the model's aliases; absent means the version the model's routing
 *                gives the event's source (the latest ready version for a model without routing)
 * @param inputs  every input the model declares
 * @param outputs the outputs wanted; absent or empty means all of them
 */
public record InferenceRequested(String model, String version, List<TensorPayload> inputs, List<String> outputs) {
}
