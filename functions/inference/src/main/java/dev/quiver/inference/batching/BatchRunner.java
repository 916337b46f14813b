package dev.quiver.inference.batching;

import dev.quiver.inference.tensor.Tensor;
import java.util.Map;
import java.util.Set;

/** Runs a model once. */
@FunctionalInterface
public interface BatchRunner {

    /**
     * @param inputs  every input, keyed by ONNX name, with data in direct buffers
     * @param outputs the ONNX names of the outputs to compute
     * @return the outputs, keyed by ONNX name, with data in buffers the caller may keep
     */
    Map<String, Tensor> run(Map<String, Tensor> inputs, Set<String> outputs) throws Exception;
}
