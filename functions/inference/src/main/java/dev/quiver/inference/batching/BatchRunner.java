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

    /**
     * Runs as {@link #run(Map, Set)}, stopped where the runtime can once {@code stopAtNanos} (a
     * {@link System#nanoTime()}) passes, failing with a deadline exceeded: by then every request in the run has been
     * answered without it, so its result would be thrown away. The runtime that cannot stop a run runs it to the end.
     *
     * @param stopAtNanos {@link DynamicBatcher#NO_DEADLINE} for a run no one stops
     */
    default Map<String, Tensor> run(Map<String, Tensor> inputs, Set<String> outputs, long stopAtNanos)
            throws Exception {
        return run(inputs, outputs);
    }
}
