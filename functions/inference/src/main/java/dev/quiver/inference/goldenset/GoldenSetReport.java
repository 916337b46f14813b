package dev.quiver.inference.goldenset;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.time.Instant;

/**
 * The answer of {@code GET /v2/models/{name}/versions/{version}/golden}.
 *
 * @param golden    golden inputs in the version's {@code validation/validation.json} (0: nothing to run)
 * @param interval  how often it runs, in seconds
 * @param last      the latest run; absent before the first
 * @param alerting  whether a {@code golden-set} alert is raised and not cleared
 */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
public record GoldenSetReport(String model, String version, boolean enabled, int golden,
                              @JsonProperty("interval_seconds") double interval,
                              @JsonProperty("next_run_at") Instant nextRunAt, GoldenSetRun last, long runs,
                              @JsonProperty("failed_runs") long failedRuns, boolean alerting) {
}
