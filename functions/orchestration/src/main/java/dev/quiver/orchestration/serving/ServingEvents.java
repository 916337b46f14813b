package dev.quiver.orchestration.serving;

import dev.quiver.events.EventCodec;
import dev.quiver.events.serving.DemandReported;
import io.cloudevents.CloudEvent;
import jakarta.enterprise.context.ApplicationScoped;

/** The serving events the orchestration function takes: {@code dev.quiver.serving.demand.reported}. */
@ApplicationScoped
public class ServingEvents {

    private final ServingDemand demand;
    private final EventCodec codec;

    public ServingEvents(ServingDemand demand, EventCodec codec) {
        this.demand = demand;
        this.codec = codec;
    }

    /** {@code dev.quiver.serving.demand.reported}: the data as the catalog's record, checked against its schema. */
    public void demandReported(CloudEvent event) {
        demand.reported(codec.decode(event, DemandReported.class));
    }
}
