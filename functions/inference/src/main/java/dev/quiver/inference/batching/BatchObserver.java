package dev.quiver.inference.batching;

/** Told about every run a batcher makes; metrics implement it. */
@FunctionalInterface
public interface BatchObserver {

    void batchRan(int items, int requests, FlushReason reason, long computeNanos);

    /** Requests taken out of the queue because their deadline passed before a run took them. */
    default void expired(int requests) {
    }

    /** Requests whose run was stopped because every request in it was past its deadline. */
    default void stopped(int requests) {
    }
}
