package dev.quiver.inference.monitoring;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The latest predicted items of one version, in a ring of fixed size: memory stays the same however many predictions
 * go by. Recording takes no lock: a request claims its slots with one atomic add and writes them; a reader copies the
 * ring, so a copy taken while requests write may mix an item or two of consecutive requests, which statistics over a
 * thousand items do not notice.
 */
final class PredictionWindow {

    private final AtomicLongArray slots;
    private final AtomicLong written = new AtomicLong();
    private volatile PredictionKind kind;

    PredictionWindow(int size) {
        this.slots = new AtomicLongArray(size);
    }

    void record(Answer answer) {
        // read before written: a write on every request would bounce the field's cache line between cores
        if (kind != answer.kind()) {
            kind = answer.kind();
        }
        double[] values = answer.values();
        int size = slots.length();
        // a request larger than the window only leaves its last items
        int from = Math.max(0, values.length - size);
        long start = written.getAndAdd(values.length - from);
        for (int i = from; i < values.length; i++) {
            slots.setRelease((int) ((start + i - from) % size), Double.doubleToRawLongBits(values[i]));
        }
    }

    /** The items in the window now, oldest first, and how many were ever recorded. */
    Snapshot snapshot() {
        long total = written.get();
        int size = slots.length();
        int count = (int) Math.min(total, size);
        double[] values = new double[count];
        long first = total - count;
        for (int i = 0; i < count; i++) {
            values[i] = Double.longBitsToDouble(slots.getAcquire((int) ((first + i) % size)));
        }
        return new Snapshot(kind, values, size, total);
    }

    /**
     * @param kind   how the version's answers read; null before the first
     * @param values the items in the window, oldest first
     * @param size   the window's size: the window is full when {@code values} has that many
     * @param total  items recorded since the version was first seen
     */
    record Snapshot(PredictionKind kind, double[] values, int size, long total) {

        boolean full() {
            return values.length == size;
        }
    }
}
