package dev.quiver.admission.concurrency;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The request body bytes this replica reads at once, all requests together: a body is reserved before its first byte
 * is read and released once its response has gone out, so concurrent uploads cannot hold more memory than the budget
 * however many arrive. A body of declared length is reserved whole; one sent in chunks, whose length nobody knows
 * before its end, is reserved as its bytes arrive ({@link Reservation#growTo}). A body larger than the whole budget
 * waits for an idle replica rather than never passing.
 */
public final class BodyBudget {

    private final long capacity;
    private final AtomicLong reserved = new AtomicLong();

    public BodyBudget(long capacity) {
        this.capacity = capacity;
    }

    /** A reservation of {@code bytes} of body, or null when the budget has no room for them now. */
    public Reservation tryReserve(long bytes) {
        Reservation reservation = new Reservation();
        return reservation.growTo(bytes) ? reservation : null;
    }

    public long reserved() {
        return reserved.get();
    }

    public long capacity() {
        return capacity;
    }

    /** One request's share of the budget: it grows with the bytes received and is given back whole, once. */
    public final class Reservation implements Permit {

        private final AtomicLong held = new AtomicLong();
        private volatile boolean released;

        private Reservation() {
        }

        /**
         * Holds {@code bytes} of the budget in all (at most the whole budget, so a body larger than it passes alone).
         *
         * @return false, holding what it held, when the budget has no room for the difference now or the reservation
         *     was given back
         */
        public boolean growTo(long bytes) {
            if (released) {
                return false;
            }
            long wanted = Math.min(bytes, capacity);
            long more = wanted - held.get();
            if (more <= 0) {
                return true;
            }
            long now;
            do {
                now = reserved.get();
                if (now + more > capacity) {
                    return false;
                }
            } while (!reserved.compareAndSet(now, now + more));
            held.addAndGet(more);
            return true;
        }

        @Override
        public void release() {
            released = true;
            reserved.addAndGet(-held.getAndSet(0));
        }
    }
}
