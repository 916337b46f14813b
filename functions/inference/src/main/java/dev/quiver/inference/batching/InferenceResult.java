package dev.quiver.inference.batching;

import dev.quiver.inference.tensor.Tensor;
import java.util.Map;

/**
 * The outputs of one request, cut from the run it shared with others.
 *
 * @param outputs      the requested outputs keyed by ONNX name
 * @param batchItems   items in the run that served this request
 * @param queueNanos   time from submission to the start of the run
 * @param computeNanos time ONNX Runtime spent on the run
 */
public record InferenceResult(Map<String, Tensor> outputs, int batchItems, long queueNanos, long computeNanos) {
}
