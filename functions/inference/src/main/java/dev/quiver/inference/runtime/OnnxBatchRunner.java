package dev.quiver.inference.runtime;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.quiver.inference.InferenceException;
import dev.quiver.inference.batching.BatchRunner;
import dev.quiver.inference.tensor.Datatype;
import dev.quiver.inference.tensor.Tensor;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** Runs one ONNX Runtime session on tensors whose data sit in direct little-endian buffers. */
final class OnnxBatchRunner implements BatchRunner {

    private final String label;
    private final OrtEnvironment environment;
    private final OrtSession session;

    OnnxBatchRunner(String label, OrtEnvironment environment, OrtSession session) {
        this.label = label;
        this.environment = environment;
        this.session = session;
    }

    @Override
    public Map<String, Tensor> run(Map<String, Tensor> inputs, Set<String> outputs) {
        Map<String, OnnxTensor> onnxInputs = new HashMap<>();
        try {
            for (Tensor input : inputs.values()) {
                onnxInputs.put(input.name(), OnnxTensor.createTensor(environment, input.data(), input.shape(),
                        input.datatype().javaType()));
            }
            try (OrtSession.Result result = session.run(onnxInputs, outputs)) {
                Map<String, Tensor> tensors = new HashMap<>();
                for (Map.Entry<String, OnnxValue> entry : result) {
                    tensors.put(entry.getKey(), toTensor(entry.getKey(), entry.getValue()));
                }
                return tensors;
            }
        } catch (OrtException e) {
            if (e.getCode() == OrtException.OrtErrorCode.ORT_INVALID_ARGUMENT) {
                throw InferenceException.invalidInput("model " + label + " rejected the input: " + e.getMessage());
            }
            throw InferenceException.internal("model " + label + " failed in ONNX Runtime: " + e.getMessage(), e);
        } finally {
            onnxInputs.values().forEach(OnnxTensor::close);
        }
    }

    private Tensor toTensor(String name, OnnxValue value) {
        if (!(value instanceof OnnxTensor tensor)) {
            throw InferenceException.internal("model " + label + " output " + name + " is a "
                    + value.getType() + ", not a tensor", null);
        }
        TensorInfo info = tensor.getInfo();
        Datatype datatype = Datatype.fromOnnx(info.onnxType).orElseThrow(() -> InferenceException.internal(
                "model " + label + " output " + name + " has type " + info.onnxType + ", which Quiver does not serve",
                null));
        return new Tensor(name, datatype, info.getShape(), tensor.getByteBuffer());
    }
}
