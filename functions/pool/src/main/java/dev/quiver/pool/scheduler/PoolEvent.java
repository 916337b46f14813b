package dev.quiver.pool.scheduler;

import java.time.Instant;

/** What happens to the pool; each carries the time it is decided at, so the scheduler reads no clock. */
public sealed interface PoolEvent {

    Instant at();

    /** A workload asks for room. */
    record Submitted(Workload workload, Instant at) implements PoolEvent {
    }

    /** A workload ended (admitted: its room is free again) or was withdrawn (pending: it no longer waits). */
    record Finished(String id, Instant at) implements PoolEvent {
    }

    /** Time passed: gangs that waited too long are refused, long-waiting work is put first. */
    record Tick(Instant at) implements PoolEvent {
    }
}
