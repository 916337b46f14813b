package dev.quiver.orchestration.pool;

import dev.quiver.pool.CohortSpec;
import dev.quiver.pool.PoolSpec;
import dev.quiver.pool.Quantity;
import dev.quiver.pool.QueueSpec;
import dev.quiver.pool.scheduler.PoolState;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the pool holds and wants, by queue and resource, in thousandths ({@link Quantity}): the figures that
 * {@code GET /pool} shows and the metrics export. The desired capacity is what is in use plus what waits: the room the
 * pool would need for all of its work to run now, which a cluster autoscaler (or KEDA) compares with the capacity.
 */
public final class PoolFigures {

    private PoolFigures() {
    }

    public static long nominal(PoolSpec spec, QueueSpec queue, String resource) {
        return spec.quota(queue, resource).nominal();
    }

    public static long usage(PoolState state, String queue, String resource) {
        return state.usage(queue).getOrDefault(resource, 0L);
    }

    /** What the queue uses beyond its own quota, lent by its cohort. */
    public static long borrowed(PoolState state, QueueSpec queue, String resource) {
        return Math.max(0, usage(state, queue.name(), resource) - nominal(state.spec(), queue, resource));
    }

    /** What the queue's waiting workloads ask for together. */
    public static long pendingDemand(PoolState state, String queue, String resource) {
        long demand = 0;
        for (PoolState.Entry entry : state.pending(queue)) {
            demand = Quantity.add(demand, entry.workload().request().getOrDefault(resource, 0L));
        }
        return demand;
    }

    /** Usage plus pending demand: the room the queue's work would take if all of it ran now. */
    public static long desired(PoolState state, String queue, String resource) {
        return Quantity.add(usage(state, queue, resource), pendingDemand(state, queue, resource));
    }

    /** The queue's waiting workloads by priority class, every class of the pool named (0 when none waits). */
    public static Map<String, Integer> pendingByPriority(PoolState state, String queue) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        state.spec().priorityClasses().keySet().forEach(name -> counts.put(name, 0));
        List<PoolState.Entry> pending = state.pending(queue);
        pending.forEach(entry -> counts.merge(entry.workload().priorityClass(), 1, Integer::sum));
        return counts;
    }

    /** The pool's desired capacity of each resource: every queue's usage plus pending demand. */
    public static Map<String, Long> desired(PoolState state) {
        Map<String, Long> total = new LinkedHashMap<>();
        for (String resource : state.spec().resources()) {
            long sum = 0;
            for (String queue : state.spec().queues().keySet()) {
                sum = Quantity.add(sum, desired(state, queue, resource));
            }
            total.put(resource, sum);
        }
        return total;
    }

    /** The pool's capacity of each resource: the nominal quotas of its queues and of its cohorts, added up. */
    public static Map<String, Long> capacity(PoolSpec spec) {
        Map<String, Long> total = new LinkedHashMap<>();
        for (String resource : spec.resources()) {
            long sum = 0;
            for (QueueSpec queue : spec.queues().values()) {
                sum = Quantity.add(sum, nominal(spec, queue, resource));
            }
            for (CohortSpec cohort : spec.cohorts().values()) {
                sum = Quantity.add(sum, cohort.quota().containsKey(resource)
                        ? cohort.quota().get(resource).nominal() : 0);
            }
            total.put(resource, sum);
        }
        return total;
    }
}
