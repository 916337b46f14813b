package dev.quiver.admission.audit;

import dev.quiver.admission.concurrency.BodyBudget;
import dev.quiver.admission.concurrency.CallerQueues;
import dev.quiver.admission.concurrency.PoolGate;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Admission metrics: {@code quiver_admission_decisions_total} by plan and outcome, the requests waiting in line by
 * plan, the pool's requests in flight, the body bytes being read, and how often a decision fell back to local
 * buckets. Labels are plan names and outcomes only, never callers.
 */
public final class AdmissionMetrics {

    private final MeterRegistry registry;
    private final CallerQueues queues;
    private final Map<String, Counter> decisions = new ConcurrentHashMap<>();
    private final Map<String, Boolean> depthGauges = new ConcurrentHashMap<>();
    private final Counter fallbacks;
    private final List<Meter> gauges = new CopyOnWriteArrayList<>();

    public AdmissionMetrics(MeterRegistry registry, CallerQueues queues, PoolGate pool, BodyBudget bodies) {
        this.registry = registry;
        this.queues = queues;
        this.fallbacks = Counter.builder("quiver.admission.store.fallbacks")
                .description("Rate-limit decisions taken on local buckets because Redis failed")
                .register(registry);
        gauges.add(Gauge.builder("quiver.admission.pool.in.flight", pool, PoolGate::inFlight)
                .description("Admitted requests in flight on this replica").register(registry));
        gauges.add(Gauge.builder("quiver.admission.pool.capacity", pool, PoolGate::capacity)
                .description("Most admitted requests in flight on this replica").register(registry));
        gauges.add(Gauge.builder("quiver.admission.body.bytes.reserved", bodies, BodyBudget::reserved)
                .description("Request body bytes this replica is reading").baseUnit("bytes").register(registry));
        gauges.add(Gauge.builder("quiver.admission.body.bytes.capacity", bodies, BodyBudget::capacity)
                .description("Most request body bytes this replica reads at once").baseUnit("bytes")
                .register(registry));
    }

    public void decided(String plan, Outcome outcome) {
        decisions.computeIfAbsent(plan + '\u0000' + outcome.tag(), ignored -> {
            depthGauges.computeIfAbsent(plan, name -> {
                gauges.add(Gauge.builder("quiver.admission.queue.depth", queues, q -> q.waiting(name))
                        .tag("plan", name).description("Requests waiting in their caller's line").register(registry));
                return true;
            });
            return Counter.builder("quiver.admission.decisions").tag("plan", plan).tag("outcome", outcome.tag())
                    .description("Admission decisions").register(registry);
        }).increment();
    }

    /** A registry outlives the app on a restart in dev mode and tests; a gauge left there would read a dead app. */
    public void removeGauges() {
        gauges.forEach(registry::remove);
    }

    public Counter fallbacks() {
        return fallbacks;
    }
}
