package dev.quiver.pool.scheduler;

import java.time.Instant;
import java.util.Map;

/**
 * Work that asks the pool for room: a step's attempt, or a gang of workers admitted together.
 *
 * @param priority    the value of its priority class
 * @param preempting  whether it may preempt lower-priority work (its class's policy)
 * @param request     what all of its pods together need, by resource, in thousandths ({@link dev.quiver.pool.Quantity})
 * @param pods        how many pods or processes it runs as; more than one is a gang, admitted whole or not at all
 * @param submittedAt orders workloads of one priority in a queue (first come, first served)
 */
public record Workload(String id, String queue, String priorityClass, int priority, boolean preempting,
                       Map<String, Long> request, int pods, Instant submittedAt) {

    public Workload {
        request = Map.copyOf(request);
    }

    public boolean gang() {
        return pods > 1;
    }
}
