package dev.quiver.inference.rollout;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.time.Instant;

/**
 * {@code GET /v2/models/{name}/rollout}: the stored state, the canary's weight now, and for a rollout under way the
 * figures of the current step summed over every replica so far, when the step may be judged, and what the judge would
 * decide on them now.
 *
 * @param storedIn where the state is kept: the model repository's folder or bucket
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RolloutStatusView(RolloutState rollout, int weight, Instant judgedFrom, VersionFigures stable,
                                VersionFigures canary, Verdict judgement, String storedIn) {
}
