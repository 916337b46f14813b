package dev.quiver.inference.validation;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * What the validity gate found on a version before it served (or was refused): each check with its outcome, and what
 * it measured.
 *
 * @param latencyBatch1Ms   median run at batch size 1
 * @param latencyMaxBatchMs median run at the maximum batch size (absent when the model does not batch)
 * @param memoryMb          resident memory the process grew by while the version's session was created and warmed up
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record GateReport(boolean passed, List<Check> checks,
                         @JsonProperty("latency_batch_1_ms") Double latencyBatch1Ms,
                         @JsonProperty("latency_max_batch_ms") Double latencyMaxBatchMs,
                         @JsonProperty("memory_mb") Double memoryMb) {

    public GateReport {
        checks = List.copyOf(checks);
    }

    /** What failed, for the version's reason and the log. */
    public String failures() {
        return String.join("; ", checks.stream().filter(c -> !c.passed()).map(Check::detail).toList());
    }

    /** One check: its name ({@code warm-up finite}, {@code golden[0]}, {@code max_latency_ms}, ...) and outcome. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Check(String name, boolean passed, String detail) {
    }
}
