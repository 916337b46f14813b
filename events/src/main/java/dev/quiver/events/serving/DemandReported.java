package dev.quiver.events.serving;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Payload of {@code dev.quiver.serving.demand.reported}: what one replica of a serving function is asked to serve, and
 * the room in the shared pool that takes. Each report replaces the replica's last one; an older report (a lower
 * {@code sequence}) or one delivered again changes nothing.
 *
 * @param function   the serving function, by its Knative service name (the pool file's {@code serving} key)
 * @param replica    this replica, unique for the process's life
 * @param sequence   raised by every report of the replica, from 1
 * @param observedAt when the figures were taken
 * @param models     in-flight and queued requests of each model the replica serves
 * @param replicas   the replicas this replica's requests need, itself included (at least 1)
 * @param resources  what those replicas hold, by resource, as Kubernetes quantities ({@code "2"}, {@code "4Gi"}); empty
 *                   when the replica does not know what one replica holds
 */
public record DemandReported(String function, String replica, long sequence, Instant observedAt,
                             List<ModelDemand> models, int replicas, Map<String, String> resources) {

    /** One model's requests on the replica: being served now, and waiting for their turn. */
    public record ModelDemand(String model, int inFlight, int queued) {
    }
}
