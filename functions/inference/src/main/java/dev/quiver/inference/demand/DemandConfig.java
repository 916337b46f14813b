package dev.quiver.inference.demand;

import io.smallrye.config.WithDefault;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * How the function reports its serving demand to the shared pool: {@code quiver.inference.demand.*} of
 * {@link dev.quiver.inference.InferenceConfig} (also environment variables).
 */
public interface DemandConfig {

    /** Where the demand events go: the broker (Knative's K_SINK), or the orchestration function. None: no reports. */
    Optional<URI> sink();

    /** The longest time between two reports of a replica whose demand has not changed. */
    @WithDefault("10s")
    Duration interval();

    /** How often demand is looked at; a change in the replicas it needs is reported at once. */
    @WithDefault("1s")
    Duration checkInterval();

    /** The serving function's name in the pool file ({@code serving.<name>}): Knative's K_SERVICE when it is set. */
    @WithDefault("inference")
    String function();
}
