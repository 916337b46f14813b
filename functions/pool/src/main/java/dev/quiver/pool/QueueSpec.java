package dev.quiver.pool;

import java.util.Map;
import java.util.Optional;

/**
 * A queue work is submitted to (a team, a tenant, serving): Kueue's ClusterQueue with its LocalQueue.
 *
 * @param cohort     the cohort it borrows from and lends to; empty for a queue on its own
 * @param weight     its fair-share weight in its cohort
 * @param quota      by resource; a resource the pool has and the queue does not name is a quota of 0
 * @param maxPending pending workloads it holds at most; one more is refused (a flood cannot fill the pool's memory)
 */
public record QueueSpec(String name, Optional<String> cohort, double weight, Map<String, Quota> quota,
                        Preemption preemption, Queueing queueing, int maxPending) {

    public QueueSpec {
        quota = Map.copyOf(quota);
    }
}
