package dev.quiver.events.model;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Payload of {@code dev.quiver.inference.label}: the true answer for a prediction made earlier, known later (a click,
 * a chargeback, a human review), joined to that prediction by its inference id to measure live accuracy.
 *
 * @param inferenceId the id of the prediction, as its answer and the prediction log carry it
 * @param output      the output the label is for; the model's first output when absent
 * @param label       the true value: a class index or name for a classifier, a number for a regressor
 */
public record InferenceLabel(String model, String inferenceId, String output, JsonNode label) {
}
