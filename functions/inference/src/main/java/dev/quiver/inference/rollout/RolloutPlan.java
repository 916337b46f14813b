package dev.quiver.inference.rollout;

import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;

/**
 * What an admin asked for when starting a rollout, validated: the canary version, the canary's weight at each step
 * (rising, the last 100), how long each step bakes before it is judged, the stable version when named, and the
 * criteria (the configured defaults where the request named none).
 */
public record RolloutPlan(long version, List<Integer> steps, Duration bake, OptionalLong stable,
                          CanaryCriteria criteria) {

    public RolloutPlan {
        steps = List.copyOf(steps);
    }
}
