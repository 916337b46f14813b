package dev.quiver.inference.rollout;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A model's rollout as {@code <model>/rollout.json} holds it, the same for every replica: which version is stable and
 * which the canary, the steps of the canary's weight and the one it is at, how long each step bakes, what the canary
 * must show, and every decision so far. A new state is computed from the old one and written only over the version
 * read, so of replicas deciding at once exactly one decision is kept.
 *
 * @param id              names this rollout, so that statistics of an earlier one are never summed with its own
 * @param step            index of the current step in {@code steps}
 * @param stableReference the stable version's figures at the last step where it served enough to judge by, compared
 *                        with when it serves too little (at 100%, none)
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record RolloutState(String model, String id, RolloutStatus status, long stableVersion, long canaryVersion,
                           List<Integer> steps, int step, long bakeSeconds, CanaryCriteria criteria,
                           Instant startedAt, String startedBy, Instant stepStartedAt, Instant updatedAt,
                           VersionFigures stableReference, List<HistoryEntry> history) {

    public RolloutState {
        steps = List.copyOf(steps);
        history = history == null ? List.of() : List.copyOf(history);
    }

    /** The canary's weight now: the current step's while running, 100 once promoted, 0 once rolled back. */
    public int weight() {
        return switch (status) {
            case RUNNING -> steps.get(step);
            case PROMOTED -> 100;
            case ROLLED_BACK -> 0;
        };
    }

    public boolean lastStep() {
        return step == steps.size() - 1;
    }

    public Duration bake() {
        return Duration.ofSeconds(bakeSeconds);
    }

    /** The state after a decision of the judge, an admin or the controller. */
    public RolloutState after(Verdict.Decision decision, Instant now, String by, List<String> reasons,
                              Map<String, Object> figures, VersionFigures newStableReference) {
        RolloutStatus nextStatus = switch (decision) {
            case ADVANCE, WAIT -> RolloutStatus.RUNNING;
            case PROMOTE -> RolloutStatus.PROMOTED;
            case ROLLBACK -> RolloutStatus.ROLLED_BACK;
        };
        int nextStep = decision == Verdict.Decision.ADVANCE ? step + 1 : step;
        RolloutState next = new RolloutState(model, id, nextStatus, stableVersion, canaryVersion, steps, nextStep,
                bakeSeconds, criteria, startedAt, startedBy, decision == Verdict.Decision.ADVANCE ? now
                : stepStartedAt, now, newStableReference == null ? stableReference : newStableReference, history);
        List<HistoryEntry> entries = new ArrayList<>(history);
        entries.add(new HistoryEntry(now, decision.name(), step, next.weight(), by, reasons, figures));
        return next.withHistory(entries);
    }

    private RolloutState withHistory(List<HistoryEntry> entries) {
        return new RolloutState(model, id, status, stableVersion, canaryVersion, steps, step, bakeSeconds, criteria,
                startedAt, startedBy, stepStartedAt, updatedAt, stableReference, entries);
    }
}
