package dev.quiver.inference.shadow;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Shadow copies waiting for a shadow thread, in one line per model, taken from the models in turn: a model whose
 * candidate is slow fills only its own line, and another model's copy waits behind at most one of its copies per
 * thread instead of finding a queue it filled. Each line holds at most {@code capacity} copies, so memory is bounded
 * by the models served. The JDK's executors keep one queue for all tasks, which is what let one model crowd out the
 * others; this is that queue split by model.
 */
final class ShadowQueue {

    private final int capacity;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final Map<String, ArrayDeque<Runnable>> lines = new HashMap<>();
    /** The models with copies waiting, each once, in the order their next copy is taken. */
    private final ArrayDeque<String> turns = new ArrayDeque<>();

    ShadowQueue(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("quiver.inference.shadow.queue: expected at least 1, got " + capacity);
        }
        this.capacity = capacity;
    }

    /** Puts a copy at the end of its model's line; false when the line is full (the copy is dropped). */
    boolean offer(String model, Runnable copy) {
        lock.lock();
        try {
            ArrayDeque<Runnable> line = lines.computeIfAbsent(model, ignored -> new ArrayDeque<>());
            if (line.size() >= capacity) {
                return false;
            }
            line.addLast(copy);
            if (line.size() == 1) {
                turns.addLast(model);
            }
            notEmpty.signal();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** The first copy of the model whose turn it is, waiting for one when none waits. */
    Runnable take() throws InterruptedException {
        lock.lock();
        try {
            while (turns.isEmpty()) {
                notEmpty.await();
            }
            String model = turns.pollFirst();
            ArrayDeque<Runnable> line = lines.get(model);
            Runnable copy = line.pollFirst();
            if (line.isEmpty()) {
                lines.remove(model);
            } else {
                turns.addLast(model);
            }
            return copy;
        } finally {
            lock.unlock();
        }
    }
}
