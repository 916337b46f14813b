package dev.quiver.inference.predict;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.util.TokenBuffer;

/**
 * The answer of {@code POST /predict}: one prediction per instance, in order.
 *
 * @param predictions written straight from the output tensors as JSON tokens
 */
public record PredictResponse(String model, @JsonProperty("model_version") String modelVersion,
                              TokenBuffer predictions) {
}
