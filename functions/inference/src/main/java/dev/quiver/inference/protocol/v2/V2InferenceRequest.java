package dev.quiver.inference.protocol.v2;

import dev.quiver.inference.deadline.RequestTimeouts;
import dev.quiver.inference.serving.InferenceRequest;
import dev.quiver.inference.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * An Open Inference Protocol v2 inference request.
 *
 * @param id               echoed in the response when present
 * @param inputs           the inputs, data decoded
 * @param requestedOutputs the {@code outputs} entries, empty for all
 * @param parameters       request parameters
 * @param binaryOutputs    the {@code binary_data_output} parameter: outputs go in binary unless an output says not
 */
public record V2InferenceRequest(String id, List<Tensor> inputs, List<RequestedOutput> requestedOutputs,
                                 Map<String, Object> parameters, boolean binaryOutputs) implements InferenceRequest {

    @Override
    public List<String> outputs() {
        return requestedOutputs.stream().map(RequestedOutput::name).toList();
    }

    @Override
    public Object timeoutParameter() {
        return parameters.get(RequestTimeouts.PARAMETER);
    }

    /** Whether output {@code name} is sent as binary data after the JSON header. */
    public boolean binary(String name) {
        return requestedOutputs.stream().filter(o -> o.name().equals(name)).findFirst()
                .map(o -> o.binary() == null ? binaryOutputs : o.binary())
                .orElse(binaryOutputs);
    }

    /** One entry of {@code outputs}; {@code binary} is null when its parameters do not say. */
    public record RequestedOutput(String name, Boolean binary) {
    }
}
