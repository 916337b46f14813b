package dev.quiver.pool.scheduler;

import java.time.Instant;
import java.util.List;

/**
 * What the scheduler decided on one event: everything the caller persists and acts on, in the order it happened.
 * An event that changes nothing (a redelivery) decides {@link #isEmpty() nothing}.
 *
 * @param queued    workloads accepted to wait
 * @param admitted  workloads that may run now
 * @param preempted admitted workloads stopped to make room; they wait again
 * @param refused   workloads that will not be admitted (too large for their queue, the queue's pending limit, a gang
 *                  that waited past the timeout)
 * @param finished  workloads that left the pool
 */
public record Decision(Instant at, List<Workload> queued, List<Admission> admitted, List<Eviction> preempted,
                       List<Refusal> refused, List<String> finished) {

    public Decision {
        queued = List.copyOf(queued);
        admitted = List.copyOf(admitted);
        preempted = List.copyOf(preempted);
        refused = List.copyOf(refused);
        finished = List.copyOf(finished);
    }

    public static Decision none(Instant at) {
        return new Decision(at, List.of(), List.of(), List.of(), List.of(), List.of());
    }

    public boolean isEmpty() {
        return queued.isEmpty() && admitted.isEmpty() && preempted.isEmpty() && refused.isEmpty()
                && finished.isEmpty();
    }

    /**
     * @param queuedAt  when it began to wait (again, after a preemption): its time to admission runs from there
     * @param borrowing whether the queue holds more than its own quota with it
     */
    public record Admission(Workload workload, Instant queuedAt, boolean borrowing) {

        public String id() {
            return workload.id();
        }

        public String queue() {
            return workload.queue();
        }
    }

    /** @param reason {@code Preempted}: the attempt is cancelled, waits again, and does not count as a failure */
    public record Eviction(String id, String by, String reason, String message) {
    }

    /** @param reason {@code TooLarge}, {@code PendingLimit}, {@code UnknownQueue} or {@code GangTimeout} */
    public record Refusal(String id, String reason, String message) {
    }
}
