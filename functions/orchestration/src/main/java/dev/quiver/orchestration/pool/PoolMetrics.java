package dev.quiver.orchestration.pool;

import dev.quiver.pool.PoolSpec;
import dev.quiver.pool.Quantity;
import dev.quiver.pool.QueueSpec;
import dev.quiver.pool.scheduler.PoolState;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * The pool's figures as gauges, read from the pool as persisted at each scrape (so every replica shows the same
 * figures, whichever decided last), in whole units: cores, bytes, GPUs; an unlimited quota is {@code +Inf}.
 *
 * <ul>
 *   <li>{@code quiver.pool.queue.usage}, {@code .nominal}, {@code .borrowed}, {@code .desired} by queue and resource;
 *   <li>{@code quiver.pool.queue.pending} (workloads waiting) by queue and priority class, {@code .admitted} by queue;
 *   <li>{@code quiver.pool.desired} and {@code quiver.pool.capacity} by resource: the whole pool's usage plus pending
 *       demand, and its nominal quotas added up: what an autoscaler acts on.
 * </ul>
 * Time to admission and preemptions are counted where they are decided ({@link PoolStore}). The gauges hold this
 * object strongly: the registry keeps them answering for as long as it lives, and {@link #close()} takes them out of it
 * when the function stops (a registry may outlive it, and would go on reading a closed store).
 */
public final class PoolMetrics implements AutoCloseable {

    private final PoolStore store;
    private final MeterRegistry meters;
    private final List<Meter> gauges = new ArrayList<>();

    public PoolMetrics(PoolStore store, MeterRegistry meters) {
        this.store = store;
        this.meters = meters;
        PoolSpec spec = store.spec();
        for (QueueSpec queue : spec.queues().values()) {
            String name = queue.name();
            for (String resource : spec.resources()) {
                gauge(meters, "quiver.pool.queue.usage", "What the queue's admitted workloads use", name, resource,
                        state -> PoolFigures.usage(state, name, resource));
                gauge(meters, "quiver.pool.queue.nominal", "The queue's own quota", name, resource,
                        state -> PoolFigures.nominal(spec, queue, resource));
                gauge(meters, "quiver.pool.queue.borrowed", "What the queue uses beyond its own quota", name,
                        resource, state -> PoolFigures.borrowed(state, queue, resource));
                gauge(meters, "quiver.pool.queue.desired", "Usage plus what the queue's waiting workloads ask for",
                        name, resource, state -> PoolFigures.desired(state, name, resource));
            }
            for (String priorityClass : spec.priorityClasses().keySet()) {
                gauges.add(Gauge.builder("quiver.pool.queue.pending", this, metrics -> metrics.read(state ->
                                PoolFigures.pendingByPriority(state, name).get(priorityClass)))
                        .description("Workloads waiting in the queue, by priority class")
                        .tag("queue", name).tag("priority_class", priorityClass).strongReference(true)
                        .register(meters));
            }
            gauges.add(Gauge.builder("quiver.pool.queue.admitted", this, metrics -> metrics.read(state ->
                            state.admitted(name).size()))
                    .description("Workloads the queue has admitted that hold their room")
                    .tag("queue", name).strongReference(true).register(meters));
        }
        for (String resource : spec.resources()) {
            gauges.add(Gauge.builder("quiver.pool.desired", this, metrics -> metrics.read(state ->
                            units(PoolFigures.desired(state).get(resource))))
                    .description("The capacity the pool's work would take if all of it ran now: usage plus pending "
                            + "demand of every queue")
                    .tag("resource", resource).strongReference(true).register(meters));
            gauges.add(Gauge.builder("quiver.pool.capacity", this, metrics -> units(
                            PoolFigures.capacity(spec).get(resource)))
                    .description("The pool's nominal quotas (queues' and cohorts' own), added up")
                    .tag("resource", resource).strongReference(true).register(meters));
        }
    }

    private void gauge(MeterRegistry meters, String name, String description, String queue, String resource,
                       ToLongFunction<PoolState> figure) {
        gauges.add(Gauge.builder(name, this, metrics -> metrics.read(state -> units(figure.applyAsLong(state))))
                .description(description).tag("queue", queue).tag("resource", resource).strongReference(true)
                .register(meters));
    }

    @Override
    public void close() {
        gauges.forEach(meters::remove);
        gauges.clear();
    }

    private double read(Function<PoolState, Number> figure) {
        return store.read(figure).doubleValue();
    }

    /** Thousandths as whole units (cores, bytes, GPUs); unlimited as infinity. */
    private static double units(long millis) {
        return millis >= Quantity.UNLIMITED ? Double.POSITIVE_INFINITY : millis / 1000.0;
    }
}
