package dev.quiver.inference.protocol.v2;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.quiver.inference.repository.ModelEntry;
import dev.quiver.inference.repository.VersionEntry;
import dev.quiver.inference.repository.VersionHistory;
import dev.quiver.inference.routing.RoutingTable;
import dev.quiver.inference.runtime.ModelSignature;
import dev.quiver.inference.runtime.TensorSpec;
import dev.quiver.inference.validation.GateReport;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The Open Inference Protocol v2 model metadata response, plus {@code status}: every version the function holds with
 * its lifecycle state and, for a failed or fallback version, why; its file's digest, when and how long it loaded, what
 * the validity gate found and its state history; and {@code fallback_error} when the links of the model's fallback
 * chain to other models are refused; {@code routing}, the model's routing in force, and {@code routing_error} when the
 * latest routing was refused.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModelMetadata(String name, List<String> versions, String platform, List<TensorMetadata> inputs,
                            List<TensorMetadata> outputs, List<VersionStatus> status,
                            @JsonProperty("fallback_error") String fallbackError, RoutingStatus routing,
                            @JsonProperty("routing_error") String routingError) {

    public static final String PLATFORM = "onnxruntime_onnx";

    public static ModelMetadata of(ModelEntry model, VersionEntry version) {
        List<String> ready = model.versions().values().stream().filter(VersionEntry::ready)
                .map(v -> Long.toString(v.version())).toList();
        ModelSignature signature = version.model().signature();
        return new ModelMetadata(model.name(), ready, PLATFORM, tensors(signature.inputs()),
                tensors(signature.outputs()), status(model), model.fallbackError().orElse(null),
                model.routing().map(ModelMetadata::routing).orElse(null), model.routingError().orElse(null));
    }

    private static RoutingStatus routing(RoutingTable table) {
        Map<String, Long> weights = new TreeMap<>();
        table.weights().forEach((version, weight) -> weights.put(Long.toString(version), weight));
        return new RoutingStatus(new TreeMap<>(table.aliases()), weights, table.stickyKey().toString(),
                table.shadow().map(s -> new ShadowStatus(Long.toString(s.version()), s.share(),
                        s.compare().name().toLowerCase(Locale.ROOT))).orElse(null));
    }

    /** The routing in force: aliases, weights by version number (none: the latest version takes all), shadow. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record RoutingStatus(Map<String, Long> aliases, Map<String, Long> weights,
                                @JsonProperty("sticky_key") String stickyKey, ShadowStatus shadow) {
    }

    public record ShadowStatus(String version, double share, String compare) {
    }

    public static List<VersionStatus> status(ModelEntry model) {
        return model.versions().values().stream().map(ModelMetadata::status).toList();
    }

    private static VersionStatus status(VersionEntry v) {
        VersionHistory history = v.history();
        return new VersionStatus(Long.toString(v.version()), v.state().name(), v.reason(), history.digest(),
                history.loadedAt() == null ? null : history.loadedAt().toString(),
                history.loadTook() == null ? null : history.loadTook().toNanos() / 1e6, history.gate(),
                history.changes().stream().map(c -> new StateChange(c.state().name(), c.reason(), c.at().toString()))
                        .toList());
    }

    private static List<TensorMetadata> tensors(List<TensorSpec> specs) {
        return specs.stream().map(s -> new TensorMetadata(s.name(), s.datatype().name(), s.shape())).toList();
    }

    public record TensorMetadata(String name, String datatype, long[] shape) {
    }

    /**
     * One version as the function holds it.
     *
     * @param digest   SHA-256 of the model file of its last load
     * @param loadedAt when its last load ended
     * @param loadMs   how long that load took, validity gate included
     * @param gate     what the validity gate found
     * @param history  the states it went through, oldest first
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record VersionStatus(String version, String state, String reason, String digest,
                                @JsonProperty("loaded_at") String loadedAt, @JsonProperty("load_ms") Double loadMs,
                                GateReport gate, List<StateChange> history) {
    }

    /** A state a version entered, when (ISO-8601), and why. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record StateChange(String state, String reason, String at) {
    }
}
