package dev.quiver.admission.concurrency;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The shared resource pool of this replica: at most {@code capacity} admitted requests in flight, whoever sent them.
 * Past it the pool is saturated and requests are shed (503 with Retry-After) so that the autoscaler adds replicas
 * and callers come back, instead of every request slowing down.
 */
public final class PoolGate {

    private final int capacity;
    private final AtomicInteger inFlight = new AtomicInteger();

    public PoolGate(int capacity) {
        this.capacity = capacity;
    }

    /** A permit for the pool, or null when it is saturated. */
    public Permit tryEnter() {
        if (inFlight.incrementAndGet() > capacity) {
            inFlight.decrementAndGet();
            return null;
        }
        AtomicInteger once = new AtomicInteger();
        return () -> {
            if (once.getAndIncrement() == 0) {
                inFlight.decrementAndGet();
            }
        };
    }

    public int inFlight() {
        return inFlight.get();
    }

    public int capacity() {
        return capacity;
    }
}
