package dev.quiver.inference.monitoring;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.util.Map;

/**
 * The body of {@code GET /v2/models/{name}/versions/{version}/monitoring}: how old the version is, what it has been
 * predicting lately, and how right it was where labels came back.
 *
 * @param answersKept where answers wait for their labels: in process or in Redis
 */
@RegisterForReflection
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record MonitoringReport(String model, String version, Age age, Predictions predictions, Labels labels,
                               String answersKept) {

    /**
     * @param trainedAt      {@code trained_at} of the version's baseline.json; absent when unknown
     * @param trainedSeconds seconds since then
     * @param servingSince   when the version became ready
     * @param maxAge         the model's {@code monitoring.max_age}, absent when it sets none
     * @param stale          whether the version is older than that (trained, else serving)
     */
    @RegisterForReflection
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Age(String trainedAt, Double trainedSeconds, String servingSince, Double servingSeconds,
                      String maxAge, boolean stale) {
    }

    /**
     * @param kind     {@code classifier} or {@code regressor}; absent before the first prediction
     * @param window   the window's size in items
     * @param items    items in the window now
     * @param total    items predicted since this replica began watching the version
     * @param classes  items per predicted class (classifiers)
     * @param quantiles values at the quantiles 0.05 to 0.95 (regressors)
     * @param constant whether a full window holds a single class, or values that do not vary
     * @param shift    the population stability index of the classes of the latest full window against the one
     *                 before (classifiers, once two windows went by)
     */
    @RegisterForReflection
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Predictions(String kind, int window, int items, long total, Map<String, Long> classes,
                              Map<String, Double> quantiles, Double mean, Double standardDeviation,
                              boolean constant, Double shift, Double maxPredictionShift) {
    }

    /**
     * @param window            the window's size in labelled items
     * @param labelled          labelled items in the window
     * @param accuracy          share of them predicted right (classifiers)
     * @param meanAbsoluteError mean absolute error (regressors)
     * @param minLabels         labelled items needed before the limits are judged
     */
    @RegisterForReflection
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Labels(int window, int labelled, Double accuracy, Double meanAbsoluteError, Double minAccuracy,
                         Double maxMae, int minLabels) {
    }
}
