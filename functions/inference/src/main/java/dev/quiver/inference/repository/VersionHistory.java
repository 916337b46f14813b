package dev.quiver.inference.repository;

import dev.quiver.inference.modelconfig.VersionState;
import dev.quiver.inference.validation.GateReport;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What the function knows of one version beyond its current state: the file it last loaded (digest), when and how long
 * that took, what the validity gate found, and every state it went through, oldest first.
 *
 * @param digest   SHA-256 of the model file of the last load attempt; null before one
 * @param loadedAt when the last load attempt ended; null before one
 * @param loadTook how long it took; null before one
 * @param gate     the validity gate's report of the last load attempt; null when it did not get that far
 */
public record VersionHistory(String digest, Instant loadedAt, Duration loadTook, GateReport gate,
                             List<StateChange> changes) {

    /** The latest changes kept: a version reloaded for months keeps a bounded history. */
    static final int KEPT = 32;

    public VersionHistory {
        changes = List.copyOf(changes);
    }

    static VersionHistory none() {
        return new VersionHistory(null, null, null, null, List.of());
    }

    VersionHistory changed(VersionState state, String reason, Instant at) {
        List<StateChange> next = new ArrayList<>(changes);
        next.add(new StateChange(state, reason, at));
        if (next.size() > KEPT) {
            next.subList(0, next.size() - KEPT).clear();
        }
        return new VersionHistory(digest, loadedAt, loadTook, gate, next);
    }

    VersionHistory loaded(String digest, Instant at, Duration took, GateReport gate) {
        return new VersionHistory(digest, at, took, gate, changes);
    }

    /** One state a version entered, when, and why (a failure, a note). */
    public record StateChange(VersionState state, String reason, Instant at) {
    }
}
