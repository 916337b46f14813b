package dev.quiver.orchestration.events;

import io.cloudevents.CloudEvent;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Ticks fire due timers (deadlines) and fail attempts whose executors went quiet. They come as
 * {@code dev.quiver.scheduler.tick} events, as the events of a Knative PingSource ({@code dev.knative.sources.ping},
 * whose type is fixed), or, in embedded mode, from the function's own timer ({@link Ticks}). Firing is idempotent, so
 * ticks may overlap, and what a tick carries does not change what it does.
 */
@ApplicationScoped
public class TickFunctions {

    private final Ticks ticks;

    public TickFunctions(Ticks ticks) {
        this.ticks = ticks;
    }

    /** {@code dev.quiver.scheduler.tick} and {@code dev.knative.sources.ping}. */
    void tick(CloudEvent event) {
        ticks.fire();
    }
}
