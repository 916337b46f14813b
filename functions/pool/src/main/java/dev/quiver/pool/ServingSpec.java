package dev.quiver.pool;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A serving function in the pool: its replicas are work of its queue, and the queue's nominal quota is the room kept
 * for them; a surge borrows from the queue's cohort like any other work.
 *
 * @param function    the function, by its Knative service name
 * @param queue       the queue its replicas are admitted to
 * @param priority    the priority class its replicas wait with; {@code work.default-priority} when empty
 * @param replica     what one replica holds, by resource, in thousandths ({@link Quantity}): its container's requests
 * @param concurrency the requests one replica serves at once (Knative's container concurrency)
 * @param expireAfter a replica that has not reported its demand for this long is gone, and its room is free
 */
public record ServingSpec(String function, String queue, Optional<String> priority, Map<String, Long> replica,
                          int concurrency, Duration expireAfter) {

    public static final int DEFAULT_CONCURRENCY = 64;
    public static final Duration DEFAULT_EXPIRE_AFTER = Duration.ofMinutes(1);

    public ServingSpec {
        replica = Map.copyOf(replica);
    }

    /** The replicas that {@code requests} in flight and waiting need: at least the one that reports them. */
    public int replicasFor(long requests) {
        long needed = (Math.max(0, requests) + concurrency - 1) / concurrency;
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, needed));
    }

    /** What {@code replicas} replicas hold, by resource, in thousandths. */
    public Map<String, Long> resources(int replicas) {
        Map<String, Long> total = new LinkedHashMap<>();
        replica.forEach((resource, amount) -> total.put(resource, Quantity.times(amount, replicas)));
        return total;
    }
}
