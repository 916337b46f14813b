package dev.quiver.inference.protocol.v2;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.quiver.inference.repository.ModelEntry;
import dev.quiver.inference.repository.VersionEntry;
import dev.quiver.inference.runtime.ModelSignature;
import dev.quiver.inference.runtime.TensorSpec;
import java.util.List;

/**
 * The Open Inference Protocol v2 model metadata response, plus {@code status}: every version the function holds with
 * its lifecycle state and, for a failed or fallback version, why.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModelMetadata(String name, List<String> versions, String platform, List<TensorMetadata> inputs,
                            List<TensorMetadata> outputs, List<VersionStatus> status) {

    public static final String PLATFORM = "onnxruntime_onnx";

    public static ModelMetadata of(ModelEntry model, VersionEntry version) {
        List<String> ready = model.versions().values().stream().filter(VersionEntry::ready)
                .map(v -> Long.toString(v.version())).toList();
        ModelSignature signature = version.model().signature();
        return new ModelMetadata(model.name(), ready, PLATFORM, tensors(signature.inputs()),
                tensors(signature.outputs()), status(model));
    }

    public static List<VersionStatus> status(ModelEntry model) {
        return model.versions().values().stream()
                .map(v -> new VersionStatus(Long.toString(v.version()), v.state().name(), v.reason()))
                .toList();
    }

    private static List<TensorMetadata> tensors(List<TensorSpec> specs) {
        return specs.stream().map(s -> new TensorMetadata(s.name(), s.datatype().name(), s.shape())).toList();
    }

    public record TensorMetadata(String name, String datatype, long[] shape) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record VersionStatus(String version, String state, String reason) {
    }
}
