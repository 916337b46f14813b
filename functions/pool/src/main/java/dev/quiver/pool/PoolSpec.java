package dev.quiver.pool;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The shared pool: the resources it counts, its cohorts and queues with their quotas, its priority classes, how work
 * maps to them, and the scheduler's timeouts. Maps keep the order of the file.
 *
 * @param gangTimeout     how long a gang (a workload of several pods) may wait to be admitted whole before it is
 *                        refused, so that one that cannot get its room is not waited for forever
 * @param starvationAfter a workload pending longer than this is admitted before any other of its cohort's root that
 *                        its room would go to: long-waiting large work is not passed over forever by small work
 * @param serving         the serving functions whose replicas are work of the pool, by function name
 */
public record PoolSpec(List<String> resources, Map<String, CohortSpec> cohorts, Map<String, QueueSpec> queues,
                       Map<String, PriorityClass> priorityClasses, WorkMapping work, Duration gangTimeout,
                       Duration starvationAfter, Map<String, ServingSpec> serving) {

    public PoolSpec {
        resources = List.copyOf(resources);
        cohorts = Collections.unmodifiableMap(new LinkedHashMap<>(cohorts));
        queues = Collections.unmodifiableMap(new LinkedHashMap<>(queues));
        priorityClasses = Collections.unmodifiableMap(new LinkedHashMap<>(priorityClasses));
        serving = Collections.unmodifiableMap(new LinkedHashMap<>(serving));
    }

    /** A pool that serves nothing: only steps draw from it. */
    public PoolSpec(List<String> resources, Map<String, CohortSpec> cohorts, Map<String, QueueSpec> queues,
                    Map<String, PriorityClass> priorityClasses, WorkMapping work, Duration gangTimeout,
                    Duration starvationAfter) {
        this(resources, cohorts, queues, priorityClasses, work, gangTimeout, starvationAfter, Map.of());
    }

    public static final List<String> DEFAULT_RESOURCES = List.of("cpu", "memory", "gpu");
    public static final Duration DEFAULT_GANG_TIMEOUT = Duration.ofMinutes(10);
    public static final Duration DEFAULT_STARVATION_AFTER = Duration.ofMinutes(10);
    public static final int DEFAULT_MAX_PENDING = 10_000;

    /** The classes a pool has when its file names none. */
    public static final Map<String, PriorityClass> DEFAULT_PRIORITY_CLASSES = defaultClasses();

    /**
     * The pool of the embedded setup: one queue, {@code default}, with no bound on any resource, so every ready step
     * is admitted at once, as when there was no pool.
     */
    public static final PoolSpec DEFAULT = new PoolSpec(DEFAULT_RESOURCES, Map.of(),
            Map.of("default", new QueueSpec("default", Optional.empty(), 1,
                    Map.of("cpu", Quota.of(Quantity.UNLIMITED), "memory", Quota.of(Quantity.UNLIMITED),
                            "gpu", Quota.of(Quantity.UNLIMITED)),
                    Preemption.DEFAULT, Queueing.BEST_EFFORT_FIFO, DEFAULT_MAX_PENDING)),
            DEFAULT_PRIORITY_CLASSES, new WorkMapping("default", "normal", "queue", Map.of()), DEFAULT_GANG_TIMEOUT,
            DEFAULT_STARVATION_AFTER);

    private static Map<String, PriorityClass> defaultClasses() {
        Map<String, PriorityClass> classes = new LinkedHashMap<>();
        classes.put("low", new PriorityClass("low", 50, false));
        classes.put("normal", new PriorityClass("normal", 100, true));
        classes.put("high", new PriorityClass("high", 1_000, true));
        classes.put("system", new PriorityClass("system", 1_000_000, true));
        return Collections.unmodifiableMap(classes);
    }

    /** The queue's quota of {@code resource}; none when it names none. */
    public Quota quota(QueueSpec queue, String resource) {
        return queue.quota().getOrDefault(resource, Quota.NONE);
    }
}
