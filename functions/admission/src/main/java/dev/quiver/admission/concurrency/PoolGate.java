package dev.quiver.admission.concurrency;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The shared resource pool of this replica: at most {@code capacity} admitted requests in flight, whoever sent them.
 * Past it the pool is saturated and requests are shed (503 with Retry-After) so that the autoscaler adds replicas
 * and callers come back, instead of every request slowing down.
 *
 * <p>Each {@link TrafficClass} has a reserved share of the pool: a request of a class is admitted while its class is
 * within its share, whatever the others do. Beyond its share a class borrows idle room, but only room no other class
 * has reserved and left unused: a request cannot be taken back once it runs, so room lent out of another's share could
 * not be returned when that class's callers arrive. A flood of events or anonymous calls therefore fills the pool up
 * to the identified callers' share and no further.
 */
public final class PoolGate {

    private final int capacity;
    private final Map<TrafficClass, Integer> reserved;
    private final Map<TrafficClass, Integer> inFlightByClass = new EnumMap<>(TrafficClass.class);
    private final AtomicInteger inFlight = new AtomicInteger();

    /** A pool in which no class has a share: every request borrows, up to the capacity. */
    public PoolGate(int capacity) {
        this(capacity, Map.of());
    }

    /**
     * @param shares each class's reserved fraction of the capacity (rounded down to whole requests); together at most
     *               the whole pool
     */
    public PoolGate(int capacity, Map<TrafficClass, Double> shares) {
        double total = 0;
        Map<TrafficClass, Integer> places = new EnumMap<>(TrafficClass.class);
        for (TrafficClass kind : TrafficClass.values()) {
            double share = shares.getOrDefault(kind, 0.0);
            if (!(share >= 0 && share <= 1)) {
                throw new IllegalArgumentException("quiver.admission.pool.shares." + kind.label() + ": expected a "
                        + "fraction of the pool between 0 and 1, not " + share);
            }
            total += share;
            places.put(kind, (int) Math.floor(capacity * share));
            inFlightByClass.put(kind, 0);
        }
        if (total > 1 + 1e-9) {
            throw new IllegalArgumentException("quiver.admission.pool.shares: the shares add up to " + total
                    + ", more than the whole pool (1)");
        }
        this.capacity = capacity;
        this.reserved = places;
    }

    /** A permit for a request of {@code kind}, or null when its share is used and there is no room to borrow. */
    public synchronized Permit tryEnter(TrafficClass kind) {
        int used = inFlightByClass.get(kind);
        int heldForOthers = 0;
        for (TrafficClass other : TrafficClass.values()) {
            if (other != kind) {
                heldForOthers += Math.max(0, reserved.get(other) - inFlightByClass.get(other));
            }
        }
        boolean withinShare = used < reserved.get(kind);
        if (inFlight.get() >= capacity || !withinShare && inFlight.get() + 1 + heldForOthers > capacity) {
            return null;
        }
        inFlightByClass.put(kind, used + 1);
        inFlight.incrementAndGet();
        AtomicInteger once = new AtomicInteger();
        return () -> {
            if (once.getAndIncrement() == 0) {
                leave(kind);
            }
        };
    }

    private synchronized void leave(TrafficClass kind) {
        inFlightByClass.merge(kind, -1, Integer::sum);
        inFlight.decrementAndGet();
    }

    public int inFlight() {
        return inFlight.get();
    }

    public int capacity() {
        return capacity;
    }

    /** The requests in flight reserved for {@code kind}. */
    public int reserved(TrafficClass kind) {
        return reserved.get(kind);
    }
}
