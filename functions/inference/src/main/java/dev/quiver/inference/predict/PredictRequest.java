package dev.quiver.inference.predict;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The body of {@code POST /predict}.
 *
 * @param model     model name
 * @param version   model version; absent for the latest ready one
 * @param instances one entry per item (a number or nested list for a one-input model, an object of values per input
 *                  name otherwise)
 */
public record PredictRequest(String model, String version, JsonNode instances) {
}
