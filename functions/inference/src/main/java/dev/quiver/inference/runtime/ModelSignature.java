package dev.quiver.inference.runtime;

import java.util.List;
import java.util.Optional;

/** The inputs and outputs of a model version, in the ONNX graph's order, under the names callers use. */
public record ModelSignature(List<TensorSpec> inputs, List<TensorSpec> outputs) {

    public ModelSignature {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }

    /** Whether requests can be stacked along the first dimension: every input and output has a dynamic one. */
    public boolean supportsBatching() {
        return inputs.stream().allMatch(TensorSpec::hasDynamicFirstDimension)
                && outputs.stream().allMatch(TensorSpec::hasDynamicFirstDimension);
    }

    public Optional<TensorSpec> input(String name) {
        return inputs.stream().filter(spec -> spec.name().equals(name)).findFirst();
    }

    public Optional<TensorSpec> output(String name) {
        return outputs.stream().filter(spec -> spec.name().equals(name)).findFirst();
    }

    public List<String> inputNames() {
        return inputs.stream().map(TensorSpec::name).toList();
    }

    public List<String> outputNames() {
        return outputs.stream().map(TensorSpec::name).toList();
    }
}
