package dev.quiver.inference.serving;

import dev.quiver.inference.InferenceException;
import dev.quiver.inference.batching.InferenceJob;
import dev.quiver.inference.runtime.ModelSignature;
import dev.quiver.inference.runtime.TensorSpec;
import dev.quiver.inference.tensor.Tensor;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Checks a request against a model version's signature and turns it into a job keyed by ONNX names. */
public final class RequestValidator {

    private RequestValidator() {
    }

    public static InferenceJob toJob(String model, ModelSignature signature, InferenceRequest request) {
        Map<String, Tensor> inputs = new HashMap<>();
        long items = -1;
        List<Tensor> given = request.inputs();
        boolean batching = signature.supportsBatching();
        for (int i = 0; i < given.size(); i++) {
            Tensor tensor = given.get(i);
            String path = "inputs[" + i + "]";
            TensorSpec spec = signature.input(tensor.name()).orElseThrow(() -> InferenceException.invalidInput(
                    path + ".name: model " + model + " has no input \"" + InferenceException.shown(tensor.name())
                            + "\"; its inputs are "
                            + signature.inputNames()));
            if (inputs.containsKey(spec.onnxName())) {
                throw InferenceException.invalidInput(path + ".name: input \"" + InferenceException.shown(tensor.name())
                        + "\" is given twice");
            }
            if (tensor.datatype() != spec.datatype()) {
                throw InferenceException.invalidInput(path + ".datatype: input \"" + spec.name() + "\" of model "
                        + model + " is " + spec.datatype() + ", got " + tensor.datatype());
            }
            if (!spec.accepts(tensor.shape())) {
                throw InferenceException.invalidInput(path + ".shape: input \"" + spec.name() + "\" of model "
                        + model + " has shape " + Arrays.toString(spec.shape()) + " (-1: any size), got "
                        + Arrays.toString(tensor.shape()));
            }
            if (batching) {
                long size = tensor.batchSize();
                if (size < 1) {
                    throw InferenceException.invalidInput(path + ".shape: the first dimension counts items and must "
                            + "be at least 1, got " + Arrays.toString(tensor.shape()));
                }
                if (items >= 0 && size != items) {
                    throw InferenceException.invalidInput(path + ".shape: every input carries the same number of "
                            + "items (first dimension); input \"" + tensor.name() + "\" has " + size + ", the others "
                            + items);
                }
                items = size;
            }
            inputs.put(spec.onnxName(), tensor.renamed(spec.onnxName()));
        }
        if (inputs.size() != signature.inputs().size()) {
            List<String> missing = signature.inputs().stream()
                    .filter(spec -> !inputs.containsKey(spec.onnxName())).map(TensorSpec::name).toList();
            throw InferenceException.invalidInput("inputs: missing " + missing + "; model " + model + " needs "
                    + signature.inputNames());
        }
        return new InferenceJob(inputs, batching ? Math.toIntExact(items) : 1, outputs(model, signature, request));
    }

    private static Set<String> outputs(String model, ModelSignature signature, InferenceRequest request) {
        Set<String> names = new LinkedHashSet<>();
        if (request.outputs().isEmpty()) {
            signature.outputs().forEach(spec -> names.add(spec.onnxName()));
            return names;
        }
        List<String> wanted = request.outputs();
        for (int i = 0; i < wanted.size(); i++) {
            String name = wanted.get(i);
            String path = "outputs[" + i + "]";
            TensorSpec spec = signature.output(name).orElseThrow(() -> InferenceException.invalidInput(
                    path + ".name: model " + model + " has no output \"" + InferenceException.shown(name)
                            + "\"; its outputs are " + signature.outputNames()));
            if (!names.add(spec.onnxName())) {
                throw InferenceException.invalidInput(path + ".name: output \"" + name
                        + "\" is asked for twice");
            }
        }
        return names;
    }
}
