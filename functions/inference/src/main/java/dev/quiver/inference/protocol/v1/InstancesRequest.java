package dev.quiver.inference.protocol.v1;

import dev.quiver.inference.serving.InferenceRequest;
import dev.quiver.inference.tensor.Tensor;
import java.util.List;

/** A request in the KServe V1 / TensorFlow Serving row format: one tensor per input, one row per instance. */
public record InstancesRequest(List<Tensor> inputs) implements InferenceRequest {

    @Override
    public List<String> outputs() {
        return List.of();
    }
}
