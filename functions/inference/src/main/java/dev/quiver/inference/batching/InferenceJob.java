package dev.quiver.inference.batching;

import dev.quiver.inference.tensor.Tensor;
import java.util.Map;
import java.util.Set;

/**
 * One validated request as the batcher sees it.
 *
 * @param inputs  every model input, keyed by ONNX name; with batching, each has {@code items} rows
 * @param items   the size of the inputs' first dimension (1 for models that do not batch)
 * @param outputs the ONNX names of the outputs the caller wants
 */
public record InferenceJob(Map<String, Tensor> inputs, int items, Set<String> outputs) {

    public InferenceJob {
        inputs = Map.copyOf(inputs);
        outputs = Set.copyOf(outputs);
    }
}
