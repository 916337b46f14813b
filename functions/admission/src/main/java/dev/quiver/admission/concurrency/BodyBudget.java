package dev.quiver.admission.concurrency;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The request body bytes this replica reads at once, all requests together: a body is reserved before its first byte
 * is read and released once its response has gone out, so concurrent uploads cannot hold more memory than the budget
 * however many arrive. A body larger than the whole budget waits for an idle replica rather than never passing.
 */
public final class BodyBudget {

    private final long capacity;
    private final AtomicLong reserved = new AtomicLong();

    public BodyBudget(long capacity) {
        this.capacity = capacity;
    }

    /** A permit for {@code bytes} of body, or null when the budget has no room for them now. */
    public Permit tryReserve(long bytes) {
        long needed = Math.min(bytes, capacity);
        if (needed <= 0) {
            return Permit.NONE;
        }
        long now;
        do {
            now = reserved.get();
            if (now + needed > capacity) {
                return null;
            }
        } while (!reserved.compareAndSet(now, now + needed));
        AtomicLong once = new AtomicLong(needed);
        return () -> reserved.addAndGet(-once.getAndSet(0));
    }

    public long reserved() {
        return reserved.get();
    }

    public long capacity() {
        return capacity;
    }
}
