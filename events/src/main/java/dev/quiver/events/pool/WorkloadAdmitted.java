package dev.quiver.events.pool;

import java.time.Instant;
import java.util.Map;

/**
 * Payload of {@code dev.quiver.pool.workload.admitted}: the shared pool admitted a step attempt's workload, which is
 * dispatched in the same decision.
 *
 * @param workload      the workload's id
 * @param priorityClass the pool's priority class it waited with
 * @param request       what all of its pods ask for together, by resource, as Kubernetes quantities ({@code 500m},
 *                      {@code 4Gi})
 * @param pods          more than one: a gang, admitted whole
 * @param borrowing     whether its queue holds more than its own quota with it (room lent by its cohort)
 * @param queuedAt      when it began to wait (again, after a preemption)
 * @param waitedSeconds its time to admission, from {@code queuedAt}
 */
public record WorkloadAdmitted(String workload, String queue, String priorityClass, int priority, int pods,
                               Map<String, String> request, boolean borrowing, Instant queuedAt, Instant admittedAt,
                               double waitedSeconds, String runId, String instance, int attempt) {

    public WorkloadAdmitted {
        request = Map.copyOf(request);
    }
}
