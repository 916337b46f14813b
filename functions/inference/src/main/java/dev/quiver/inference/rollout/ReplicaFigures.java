package dev.quiver.inference.rollout;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.time.Instant;
import java.util.Map;

/**
 * What one replica counted of a rollout step, as it publishes it to {@code <model>/.rollout/<replica>.json}: the
 * figures of each version (by version number) from {@code since}, when it learnt of the step, to {@code updatedAt}.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record ReplicaFigures(String replica, String rolloutId, int step, Instant since, Instant updatedAt,
                             Map<String, VersionFigures> versions) {

    public ReplicaFigures {
        versions = Map.copyOf(versions);
    }

    public VersionFigures of(long version) {
        return versions.getOrDefault(Long.toString(version), VersionFigures.NONE);
    }
}
