package dev.quiver.inference.serving;

import dev.quiver.inference.fallback.FallbackNote;
import dev.quiver.inference.tensor.Tensor;
import java.util.List;

/**
 * The answer to one request.
 *
 * @param model   the model name that answered
 * @param version the version that answered
 * @param request the request as parsed, for protocol details the response echoes
 * @param outputs the requested outputs under the names callers use, in the model's output order
 * @param fallback when the model's fallback chain answered: why, and what answered; null when the model did
 */
public record ServedInference<R extends InferenceRequest>(String model, long version, R request,
                                                          List<Tensor> outputs, FallbackNote fallback) {

    public ServedInference(String model, long version, R request, List<Tensor> outputs) {
        this(model, version, request, outputs, null);
    }
}
