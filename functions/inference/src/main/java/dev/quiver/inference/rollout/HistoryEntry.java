package dev.quiver.inference.rollout;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One entry of a rollout's history: what was decided, at which step and weight, by whom (the controller of a replica,
 * or the admin who asked), why and on which figures.
 *
 * @param action  {@code START}, {@code ADVANCE}, {@code PROMOTE} or {@code ROLLBACK}
 * @param step    the index of the step the decision was about, in the rollout's steps
 * @param weight  the canary's weight after the decision
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record HistoryEntry(Instant at, String action, int step, int weight, String by, List<String> reasons,
                       Map<String, Object> figures) {

    public HistoryEntry {
        reasons = reasons == null ? List.of() : List.copyOf(reasons);
        figures = figures == null ? Map.of() : figures;
    }
}
