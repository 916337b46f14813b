package dev.quiver.inference.rollout;

import dev.quiver.inference.InferenceException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * This replica's figures of the two versions of each model under rollout, counted from the moment it learnt of the
 * current step (a new rollout or step starts them again from zero). Serving reports every request here; for a model
 * without a rollout that is one map look-up and nothing else.
 */
@ApplicationScoped
public class ReplicaStatistics {

    private final Map<String, Step> steps = new ConcurrentHashMap<>();
    private final List<RolloutSignal> signals;

    @Inject
    public ReplicaStatistics(Instance<RolloutSignal> signals) {
        this(signals.stream().toList());
    }

    public ReplicaStatistics(List<RolloutSignal> signals) {
        this.signals = List.copyOf(signals);
    }

    /** Counts the model's step from now on, unless it is the step counted already. */
    public void track(RolloutState state, Instant now) {
        Step current = steps.get(state.model());
        if (current != null && current.rolloutId.equals(state.id()) && current.step == state.step()) {
            return;
        }
        steps.put(state.model(), new Step(state.model(), state.id(), state.step(), now,
                List.of(state.stableVersion(), state.canaryVersion()), signals));
    }

    /** Stops counting a model whose rollout is over. */
    public void forget(String model) {
        steps.remove(model);
    }

    /**
     * A request the version served, with its latency, whether it failed, whether a fallback answered in its place and
     * whether its answer failed the version's output checks, all counted in the same step. A caller's mistake (a 4xx)
     * is not counted.
     */
    public void served(String model, long version, Throwable failure, boolean fellBack, boolean checkFailed,
                       long nanos) {
        Step step = steps.get(model);
        if (step == null) {
            return;
        }
        Counters counters = step.versions.get(version);
        if (counters == null) {
            return;
        }
        if (failure instanceof InferenceException e && e.kind().status() < 500) {
            return;
        }
        counters.requests.increment();
        if (failure != null || fellBack) {
            counters.faults.increment();
        }
        if (fellBack) {
            counters.fallbacks.increment();
        }
        if (checkFailed) {
            counters.outputCheckFailures.increment();
        }
        counters.latency.incrementAndGet(LatencyHistogram.bucket(nanos));
    }

    /** What this replica counted of the model's current step; empty when it counts none. */
    public Optional<ReplicaFigures> snapshot(String model, String replica, Instant now) {
        Step step = steps.get(model);
        if (step == null) {
            return Optional.empty();
        }
        Map<String, VersionFigures> versions = new HashMap<>();
        step.versions.forEach((version, counters) -> versions.put(Long.toString(version),
                counters.figures(step.signalsGained(model, version))));
        return Optional.of(new ReplicaFigures(replica, step.rolloutId, step.step, step.since, now, versions));
    }

    /** The counts of one step of one model's rollout. */
    private static final class Step {
        final String rolloutId;
        final int step;
        final Instant since;
        final Map<Long, Counters> versions = new HashMap<>();
        final List<RolloutSignal> signals;
        /** Each signal's tally per version when the step began, so that only what it gained since is published. */
        final Map<Long, Map<String, Tally>> signalsAtStart = new HashMap<>();

        Step(String model, String rolloutId, int step, Instant since, List<Long> versions,
             List<RolloutSignal> signals) {
            this.rolloutId = rolloutId;
            this.step = step;
            this.since = since;
            this.signals = signals;
            for (long version : versions) {
                this.versions.put(version, new Counters());
                signalsAtStart.put(version, tallies(model, version));
            }
        }

        Map<String, Tally> signalsGained(String model, long version) {
            Map<String, Tally> gained = new HashMap<>();
            Map<String, Tally> start = signalsAtStart.getOrDefault(version, Map.of());
            tallies(model, version).forEach((name, tally) ->
                    gained.put(name, tally.minus(start.getOrDefault(name, Tally.NONE))));
            return gained;
        }

        private Map<String, Tally> tallies(String model, long version) {
            Map<String, Tally> tallies = new HashMap<>();
            for (RolloutSignal signal : signals) {
                signal.tally(model, version).ifPresent(tally -> tallies.put(signal.name(), tally));
            }
            return tallies;
        }
    }

    private static final class Counters {
        final LongAdder requests = new LongAdder();
        final LongAdder faults = new LongAdder();
        final LongAdder outputCheckFailures = new LongAdder();
        final LongAdder fallbacks = new LongAdder();
        final AtomicLongArray latency = new AtomicLongArray(LatencyHistogram.UPPER_BOUNDS_MS.length + 1);

        VersionFigures figures(Map<String, Tally> signals) {
            long[] counts = new long[latency.length()];
            for (int i = 0; i < counts.length; i++) {
                counts[i] = latency.get(i);
            }
            return new VersionFigures(requests.sum(), faults.sum(), outputCheckFailures.sum(), fallbacks.sum(),
                    new LatencyHistogram(counts), signals);
        }
    }
}
