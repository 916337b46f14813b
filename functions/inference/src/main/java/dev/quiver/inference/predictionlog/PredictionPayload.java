package dev.quiver.inference.predictionlog;

import java.util.List;

/**
 * One half of a logged prediction, the body of one log event: the request as the model received it or the response
 * it gave, both in the Open Inference Protocol v2 JSON form whatever protocol the caller used.
 *
 * @param id      the request id, shared by the request and the response
 * @param tensors the inputs of a request, the outputs of a response
 */
public record PredictionPayload(Kind kind, String id, String model, long version, List<LoggedTensor> tensors) {

    public enum Kind {
        REQUEST, RESPONSE
    }
}
