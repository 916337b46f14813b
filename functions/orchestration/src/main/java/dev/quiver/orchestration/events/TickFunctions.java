package dev.quiver.orchestration.events;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quiver.events.EventTypes;
import io.quarkus.funqy.Funq;
import io.quarkus.funqy.knative.events.CloudEvent;
import io.quarkus.funqy.knative.events.CloudEventMapping;

/**
 * Ticks fire due timers (deadlines) and fail attempts whose executors went quiet. They come as
 * {@code dev.quiver.scheduler.tick} events, as the events of a Knative PingSource (whose type is fixed), or, in
 * embedded mode, from the function's own timer ({@link Ticks}). Firing is idempotent, so ticks may overlap.
 */
public class TickFunctions {

    /** The type a Knative PingSource gives its events. */
    static final String PING_SOURCE = "dev.knative.sources.ping";

    private final Ticks ticks;

    public TickFunctions(Ticks ticks) {
        this.ticks = ticks;
    }

    @Funq("scheduler-tick")
    @CloudEventMapping(trigger = EventTypes.SCHEDULER_TICK)
    public void tick(CloudEvent<JsonNode> event) {
        ticks.fire();
    }

    @Funq("ping-source-tick")
    @CloudEventMapping(trigger = PING_SOURCE)
    public void ping(CloudEvent<JsonNode> event) {
        ticks.fire();
    }
}
