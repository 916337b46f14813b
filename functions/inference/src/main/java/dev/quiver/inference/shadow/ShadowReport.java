package dev.quiver.inference.shadow;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.util.List;

/**
 * {@code GET /v2/models/{name}/shadow}: what shadow scoring of the model has shown since the replica started.
 *
 * @param shadow  the shadow in force (candidate version, share, compare); null when the routing shadows nothing
 * @param results one entry per serving version and candidate seen
 */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ShadowReport(String model, InForce shadow, List<Pair> results) {

    @RegisterForReflection
    public record InForce(@JsonProperty("candidate_version") String candidateVersion, double share, String compare) {
    }

    /**
     * @param compare   argmax (classifiers) or values (regressors), as decided from the serving output
     * @param requests  requests copied to the candidate
     * @param compared  copies whose answers were compared
     * @param dropped   copies dropped because the model's line of the shadow queue was full
     * @param errors    copies the candidate failed or whose answers had another shape
     * @param agreement the share of rows whose argmax agreed (classifiers)
     * @param error     absolute error statistics (regressors)
     */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Pair(@JsonProperty("serving_version") String servingVersion,
                       @JsonProperty("candidate_version") String candidateVersion, String compare, long requests,
                       long compared, long dropped, long errors, Long rows, @JsonProperty("agreed_rows") Long agreedRows,
                       Double agreement, Errors error, @JsonProperty("latency_ms") Latency latency) {
    }

    @RegisterForReflection
    public record Errors(long values, @JsonProperty("mean_absolute") double meanAbsolute, double rmse, double max) {
    }

    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Latency(Quantiles serving, Quantiles candidate) {
    }

    @RegisterForReflection
    public record Quantiles(double p50, double p99) {
    }
}
