package dev.quiver.inference.predict;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.util.TokenBuffer;
import dev.quiver.inference.fallback.FallbackNote;

/**
 * The answer of {@code POST /predict}: one prediction per instance, in order.
 *
 * @param predictions written straight from the output tensors as JSON tokens
 * @param fallback    when the model's fallback chain answered: why, and what answered; absent when the model did
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PredictResponse(String model, @JsonProperty("model_version") String modelVersion,
                              TokenBuffer predictions, Fallback fallback) {

    /** The fallback note as {@code /predict} writes it, the same fields as the v2 {@code parameters.fallback}. */
    public record Fallback(String reason, @JsonProperty("answered_by") String answeredBy) {

        static Fallback of(FallbackNote note) {
            return note == null ? null : new Fallback(note.reason().label(), note.answeredBy());
        }
    }
}
