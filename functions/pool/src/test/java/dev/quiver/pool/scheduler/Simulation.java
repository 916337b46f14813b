package dev.quiver.pool.scheduler;

import dev.quiver.pool.PoolFileReader;
import dev.quiver.pool.PoolSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A pool driven event by event, each decision applied, with a clock the test moves. */
final class Simulation {

    final PoolSpec spec;
    final PoolState state;
    final List<String> admissions = new ArrayList<>();
    final List<Decision> decisions = new ArrayList<>();
    private final Map<String, String> queueOf = new HashMap<>();
    private final Map<String, Instant> running = new LinkedHashMap<>();
    Instant now = Instant.parse("2026-01-01T00:00:00Z");
    private int sequence;

    Simulation(String poolYaml) {
        spec = PoolFileReader.yaml("pool.yaml", poolYaml);
        state = new PoolState(spec);
    }

    Decision submit(String id, String queue, String priorityClass, long cpu, int pods) {
        var priority = spec.priorityClasses().get(priorityClass);
        now = now.plusMillis(1);
        Workload workload = new Workload(id, queue, priorityClass, priority.value(), priority.preempting(),
                Map.of("cpu", cpu * 1000), pods, now);
        queueOf.put(id, queue);
        return apply(new PoolEvent.Submitted(workload, now));
    }

    Decision submit(String id, String queue, String priorityClass, long cpu) {
        return submit(id, queue, priorityClass, cpu, 1);
    }

    /** Submits {@code count} one-cpu workloads named {@code prefix-i}. */
    void submitMany(String prefix, String queue, int count) {
        for (int i = 0; i < count; i++) {
            submit(prefix + "-" + (sequence++), queue, "normal", 1);
        }
    }

    Decision finish(String id) {
        now = now.plusMillis(1);
        return apply(new PoolEvent.Finished(id, now));
    }

    /** Finishes the workload admitted longest ago. */
    Decision finishOldest() {
        return finish(running.keySet().iterator().next());
    }

    Decision tick(Duration later) {
        now = now.plus(later);
        return apply(new PoolEvent.Tick(now));
    }

    Decision apply(PoolEvent event) {
        Decision decision = Scheduler.decide(state, event);
        state.apply(decision);
        decisions.add(decision);
        decision.finished().forEach(running::remove);
        decision.preempted().forEach(eviction -> running.remove(eviction.id()));
        decision.admitted().forEach(admission -> {
            running.put(admission.id(), now);
            admissions.add(admission.id());
        });
        return decision;
    }

    boolean isRunning(String id) {
        return running.containsKey(id);
    }

    /** Running workloads by queue. */
    long runningIn(String queue) {
        return running.keySet().stream().filter(id -> queueOf.get(id).equals(queue)).count();
    }

    /** The share of {@code total} cpus the queue's running workloads hold, in percent to one decimal. */
    double percentOf(String queue, int total) {
        return Math.round(1000.0 * runningIn(queue) / total) / 10.0;
    }
}
