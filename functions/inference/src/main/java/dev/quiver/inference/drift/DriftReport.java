package dev.quiver.inference.drift;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.quiver.inference.modelconfig.DriftSettings;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The answer of {@code GET /v2/models/{name}/versions/{version}/drift}.
 *
 * @param baseline       the baseline's {@code trained_at} and {@code rows}; absent without one
 * @param note           why inputs are not compared, when they are not
 * @param settings       the model's thresholds, window and sample rate in force
 * @param inputs         per input, the latest finding (absent until a window filled)
 * @param evaluatedAt    per input, when its latest window filled
 * @param windowItems    per input, items counted in the window being filled
 * @param windows        per input, windows compared with the baseline so far
 * @param alerting       inputs whose drift alert is raised and not cleared
 * @param sampled        requests sampled and counted
 * @param dropped        requests sampled but dropped because the queue was full
 */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DriftReport(String model, String version, boolean enabled, Baseline baseline, String note,
                          DriftSettings settings, Map<String, InputDrift> inputs,
                          @JsonProperty("evaluated_at") Map<String, Instant> evaluatedAt,
                          @JsonProperty("window_items") Map<String, Long> windowItems, Map<String, Long> windows,
                          Set<String> alerting,
                          long sampled, long dropped) {

    static DriftReport of(VersionDrift drift, boolean enabled) {
        Baseline baseline = drift.baseline == null ? null
                : new Baseline(drift.baseline.trainedAt(), drift.baseline.rows());
        return new DriftReport(drift.model.name(), Long.toString(drift.model.version()), enabled, baseline,
                drift.note, drift.settings, new TreeMap<>(drift.latest), new TreeMap<>(drift.evaluatedAt),
                drift.windowItems(), new TreeMap<>(drift.windowsCompared), new TreeSet<>(drift.alerting), drift.sampled.sum(), drift.dropped.sum());
    }

    /** Which training run the served inputs are compared with. */
    public record Baseline(@JsonProperty("trained_at") String trainedAt, long rows) {
    }
}
