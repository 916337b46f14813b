package dev.quiver.orchestration.pool;

import dev.quiver.pool.CohortSpec;
import dev.quiver.pool.PoolSpec;
import dev.quiver.pool.Quantity;
import dev.quiver.pool.QueueSpec;
import dev.quiver.pool.scheduler.PoolState;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The shared pool as it is now: each queue's quota, usage, what it borrows and what waits in it ({@code GET /pool}),
 * and one queue's workloads in the order they would be admitted ({@code GET /pool/workloads?queue=...}). Amounts are
 * written as Kubernetes writes quantities ({@code 500m}, {@code 4Gi}).
 */
@Path("/pool")
@Produces(MediaType.APPLICATION_JSON)
public class PoolResource {

    private final PoolStore store;

    public PoolResource(PoolStore store) {
        this.store = store;
    }

    /** A queue now: amounts by resource; {@code desired} is its usage plus what its waiting workloads ask for. */
    public record QueueView(String name, String cohort, double weight, Map<String, String> nominal,
                            Map<String, String> usage, Map<String, String> borrowed, Map<String, String> desired,
                            int admitted, int pending, Map<String, Integer> pendingByPriority, int maxPending) {
    }

    public record CohortView(String name, String parent, double weight, Map<String, String> quota) {
    }

    /**
     * @param capacity the nominal quotas of the queues and cohorts, added up
     * @param desired  every queue's usage plus pending demand: what an autoscaler compares with the capacity
     */
    public record PoolView(List<String> resources, Map<String, String> capacity, Map<String, String> desired,
                           List<CohortView> cohorts, List<QueueView> queues) {
    }

    /** A workload: {@code ADMITTED} or {@code PENDING}; {@code since} is when it was admitted or queued. */
    public record WorkloadView(String id, String queue, String status, String priorityClass, int priority,
                               Map<String, String> request, int pods, Instant submittedAt, Instant since) {
    }

    @GET
    public PoolView pool() {
        return store.read(state -> {
            PoolSpec spec = state.spec();
            List<CohortView> cohorts = spec.cohorts().values().stream().map(cohort -> cohort(spec, cohort)).toList();
            List<QueueView> queues = spec.queues().values().stream().map(queue -> queue(spec, state, queue))
                    .toList();
            return new PoolView(spec.resources(), shown(PoolFigures.capacity(spec)),
                    shown(PoolFigures.desired(state)), cohorts, queues);
        });
    }

    @GET
    @Path("workloads")
    public Response workloads(@QueryParam("queue") String queue) {
        PoolSpec spec = store.spec();
        if (queue == null || queue.isBlank()) {
            return error(400, "query parameter queue: expected the name of a queue, one of "
                    + String.join(", ", spec.queues().keySet()));
        }
        if (!spec.queues().containsKey(queue)) {
            return error(404, "query parameter queue: the pool has no queue \"" + queue + "\"; it has "
                    + String.join(", ", spec.queues().keySet()));
        }
        List<WorkloadView> workloads = store.read(state -> {
            List<WorkloadView> views = new ArrayList<>();
            state.admitted(queue).forEach(entry -> views.add(workload(spec, entry, "ADMITTED")));
            state.pending(queue).forEach(entry -> views.add(workload(spec, entry, "PENDING")));
            return views;
        });
        return Response.ok(workloads).build();
    }

    private static CohortView cohort(PoolSpec spec, CohortSpec cohort) {
        Map<String, String> quota = new LinkedHashMap<>();
        cohort.quota().forEach((resource, amount) -> quota.put(resource, shown(amount.nominal())));
        return new CohortView(cohort.name(), cohort.parent().orElse(null), cohort.weight(), quota);
    }

    private static QueueView queue(PoolSpec spec, PoolState state, QueueSpec queue) {
        Map<String, String> nominal = new LinkedHashMap<>();
        Map<String, String> usage = new LinkedHashMap<>();
        Map<String, String> borrowed = new LinkedHashMap<>();
        Map<String, String> desired = new LinkedHashMap<>();
        for (String resource : spec.resources()) {
            nominal.put(resource, shown(PoolFigures.nominal(spec, queue, resource)));
            usage.put(resource, shown(PoolFigures.usage(state, queue.name(), resource)));
            borrowed.put(resource, shown(PoolFigures.borrowed(state, queue, resource)));
            desired.put(resource, shown(PoolFigures.desired(state, queue.name(), resource)));
        }
        List<PoolState.Entry> pending = state.pending(queue.name());
        Map<String, Integer> byPriority = new LinkedHashMap<>();
        pending.forEach(entry -> byPriority.merge(entry.workload().priorityClass(), 1, Integer::sum));
        return new QueueView(queue.name(), queue.cohort().orElse(null), queue.weight(), nominal, usage, borrowed,
                desired, state.admitted(queue.name()).size(), pending.size(), byPriority, queue.maxPending());
    }

    private static WorkloadView workload(PoolSpec spec, PoolState.Entry entry, String status) {
        Map<String, String> request = new LinkedHashMap<>();
        spec.resources().forEach(resource -> request.put(resource, shown(entry.workload().request()
                .getOrDefault(resource, 0L))));
        return new WorkloadView(entry.workload().id(), entry.workload().queue(), status,
                entry.workload().priorityClass(), entry.workload().priority(), request, entry.workload().pods(),
                entry.workload().submittedAt(), entry.since());
    }

    private static Map<String, String> shown(Map<String, Long> amounts) {
        Map<String, String> shown = new LinkedHashMap<>();
        amounts.forEach((resource, amount) -> shown.put(resource, shown(amount)));
        return shown;
    }

    private static String shown(long millis) {
        return millis >= Quantity.UNLIMITED ? "unlimited" : Quantity.format(millis);
    }

    private static Response error(int status, String message) {
        return Response.status(status).entity(Map.of("error", message)).type(MediaType.APPLICATION_JSON).build();
    }
}
