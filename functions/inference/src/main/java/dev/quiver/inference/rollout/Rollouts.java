package dev.quiver.inference.rollout;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.events.model.ModelAlert;
import dev.quiver.inference.InferenceException;
import dev.quiver.storage.StoredObject;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * Model rollouts, as every replica runs them: starts one, and on each tick publishes this replica's figures and, once
 * the step has baked and the canary has served enough, sums every replica's figures, asks the {@link CanaryJudge} and
 * writes its decision over the state read. Only the replica whose write wins carries the decision out (the routing
 * override, the alert of a rollback), so two replicas never both advance a step. Admins promote or roll back by hand
 * the same way.
 */
public final class Rollouts {

    private static final Logger LOG = Logger.getLogger(Rollouts.class);
    /** Writes lost to other writers in a row, for an admin's decision, before it is refused as a conflict. */
    private static final int MAX_RACES = 8;
    public static final String CONTROLLER = "controller";

    private final RolloutStore store;
    private final ReplicaStatistics statistics;
    private final Consumer<ModelAlert> alerts;
    private final Clock clock;
    private final String replica;

    public Rollouts(RolloutStore store, ReplicaStatistics statistics, Consumer<ModelAlert> alerts, Clock clock,
                    String replica) {
        this.store = store;
        this.statistics = statistics;
        this.alerts = alerts;
        this.clock = clock;
        this.replica = replica;
    }

    public String replica() {
        return replica;
    }

    /** Where rollouts are kept: the model repository's folder or {@code s3://bucket/prefix}. */
    public String location() {
        return store.location();
    }

    /** The mapper of the rollout's files, for the endpoints to answer in the same JSON. */
    public ObjectMapper mapper() {
        return store.mapper();
    }

    /**
     * Starts a rollout of {@code plan.version()} against the stable version: the one named, else the routing
     * override's or the configuration's {@code stable} alias, else {@code serving} (the highest version this replica
     * serves other than the canary).
     */
    public RolloutState start(String model, RolloutPlan plan, String by, OptionalLong serving) {
        if (!store.versionExists(model, plan.version())) {
            throw InferenceException.notFound("version: model " + model + " has no version " + plan.version()
                    + " in the model repository " + store.location());
        }
        long stable = plan.stable().isPresent() ? plan.stable().getAsLong()
                : stableAlias(model).orElse(serving.orElse(0));
        if (stable == 0) {
            throw InferenceException.conflict("stable: model " + model + " serves no version but " + plan.version()
                    + " to compare the canary with; name the stable version");
        }
        if (stable == plan.version()) {
            throw InferenceException.invalidInput("version: the canary must differ from the stable version "
                    + stable);
        }
        if (!store.versionExists(model, stable)) {
            throw InferenceException.notFound("stable: model " + model + " has no version " + stable
                    + " in the model repository " + store.location());
        }
        Optional<RolloutStore.Read<RolloutState>> current = store.state(model);
        if (current.isPresent() && current.get().value().status() == RolloutStatus.RUNNING) {
            RolloutState running = current.get().value();
            throw InferenceException.conflict("model " + model + " has a rollout under way: version "
                    + running.canaryVersion() + " at " + running.weight() + "% against version "
                    + running.stableVersion() + "; promote or roll it back first");
        }
        Instant now = clock.instant();
        HistoryEntry started = new HistoryEntry(now, "START", 0, plan.steps().getFirst(), by,
                List.of("version " + plan.version() + " against stable version " + stable + ", steps "
                        + plan.steps() + ", each baking " + plan.bake().toSeconds() + " s"), Map.of());
        RolloutState state = new RolloutState(model, UUID.randomUUID().toString(), RolloutStatus.RUNNING, stable,
                plan.version(), plan.steps(), 0, plan.bake().toSeconds(), plan.criteria(), now, by, now, now, null,
                List.of(started));
        if (!store.write(state, current.map(RolloutStore.Read::version))) {
            throw InferenceException.conflict("model " + model + ": its rollout changed while this one was being "
                    + "started; look at it and try again");
        }
        LOG.infof("model %s: rollout of version %d against %d started by %s, steps %s", model, plan.version(), stable,
                by, plan.steps());
        carryOut(state);
        return state;
    }

    /** An admin's promotion or rollback of the rollout under way, recorded with who asked. */
    public RolloutState decide(String model, Verdict.Decision decision, String by) {
        for (int race = 0; race < MAX_RACES; race++) {
            RolloutStore.Read<RolloutState> read = store.state(model).orElseThrow(() ->
                    InferenceException.notFound("model " + model + " has no rollout"));
            RolloutState state = read.value();
            if (state.status() != RolloutStatus.RUNNING) {
                throw InferenceException.conflict("model " + model + ": its rollout of version "
                        + state.canaryVersion() + " is over (" + state.status().json() + ")");
            }
            RolloutState next = state.after(decision, clock.instant(), by, List.of(decision == Verdict.Decision.PROMOTE
                    ? "promoted by hand" : "rolled back by hand"), Map.of(), null);
            if (store.write(next, Optional.of(read.version()))) {
                LOG.infof("model %s: version %d %s by %s", model, state.canaryVersion(), next.status().json(), by);
                carryOut(next);
                return next;
            }
        }
        throw InferenceException.conflict("model " + model + ": its rollout kept changing; try again");
    }

    /** The rollout as stored, with this step's figures summed over every replica and what the judge would say now. */
    public Optional<RolloutStatusView> status(String model) {
        return store.state(model).map(read -> {
            RolloutState state = read.value();
            if (state.status() != RolloutStatus.RUNNING) {
                return new RolloutStatusView(state, state.weight(), null, null, null, null, store.location());
            }
            Summed summed = summed(state);
            Instant judgedFrom = state.stepStartedAt().plus(state.bake());
            Verdict verdict = CanaryJudge.judge(comparedStable(state, summed.stable), summed.canary,
                    state.criteria(), state.lastStep());
            return new RolloutStatusView(state, state.weight(), judgedFrom, summed.stable, summed.canary, verdict,
                    store.location());
        });
    }

    /**
     * One tick of the controller for one model.
     *
     * @return the decision this replica made and wrote; empty when it decided nothing, or another replica's
     *         decision was written first
     */
    public Optional<Verdict.Decision> tick(String model) {
        Optional<RolloutStore.Read<RolloutState>> read = store.state(model);
        if (read.isEmpty()) {
            statistics.forget(model);
            return Optional.empty();
        }
        RolloutState state = read.get().value();
        repairRouting(state);
        if (state.status() != RolloutStatus.RUNNING) {
            statistics.forget(model);
            return Optional.empty();
        }
        Instant now = clock.instant();
        statistics.track(state, now);
        statistics.snapshot(model, replica, now).ifPresent(figures -> store.publish(model, figures));
        if (now.isBefore(state.stepStartedAt().plus(state.bake()))) {
            return Optional.empty();
        }
        Summed summed = summed(state);
        VersionFigures stable = comparedStable(state, summed.stable);
        Verdict verdict = CanaryJudge.judge(stable, summed.canary, state.criteria(), state.lastStep());
        if (verdict.decision() == Verdict.Decision.WAIT) {
            return Optional.empty();
        }
        VersionFigures reference = summed.stable.requests() >= state.criteria().minRequests() ? summed.stable : null;
        Map<String, Object> figures = new LinkedHashMap<>(verdict.figures());
        figures.put("stable_reference", reference == null && state.stableReference() != null ? "earlier step"
                : "this step");
        RolloutState next = state.after(verdict.decision(), now, CONTROLLER + " " + replica, verdict.reasons(),
                figures, reference);
        if (!store.write(next, Optional.of(read.get().version()))) {
            return Optional.empty();
        }
        LOG.infof("model %s: canary version %d %s at %d%%: %s", model, state.canaryVersion(),
                verdict.decision().name().toLowerCase(), state.weight(), String.join("; ", verdict.reasons()));
        statistics.track(next, now);
        carryOut(next);
        if (next.status() == RolloutStatus.ROLLED_BACK) {
            alerts.accept(new ModelAlert(model, Long.toString(state.canaryVersion()), "canary-rolled-back",
                    "canary version " + state.canaryVersion() + " of model " + model + " rolled back at "
                            + state.weight() + "% against stable version " + state.stableVersion() + ": "
                            + String.join("; ", verdict.reasons()), null, null, null));
        }
        return Optional.of(verdict.decision());
    }

    /** The stable version's figures of this step, or of an earlier one when it served too little now. */
    private static VersionFigures comparedStable(RolloutState state, VersionFigures now) {
        if (now.requests() >= state.criteria().minRequests() || state.stableReference() == null) {
            return now;
        }
        return state.stableReference();
    }

    private record Summed(VersionFigures stable, VersionFigures canary) {
    }

    /** Every replica's figures of the current step of this rollout, summed. */
    private Summed summed(RolloutState state) {
        VersionFigures stable = VersionFigures.NONE;
        VersionFigures canary = VersionFigures.NONE;
        for (ReplicaFigures figures : store.figures(state.model())) {
            if (figures.rolloutId().equals(state.id()) && figures.step() == state.step()) {
                stable = stable.plus(figures.of(state.stableVersion()));
                canary = canary.plus(figures.of(state.canaryVersion()));
            }
        }
        return new Summed(stable, canary);
    }

    /** Writes the routing the state wants. */
    private void carryOut(RolloutState state) {
        store.writeRouting(state.model(), routing(state));
    }

    /**
     * A replica that won a decision and stopped before writing the routing leaves the override behind the state: the
     * next tick of any replica writes it. An override changed by hand after the last decision is left alone.
     */
    private void repairRouting(RolloutState state) {
        Optional<StoredObject> object = store.routingObject(state.model());
        if (object.isPresent() && object.get().lastModified() != null
                && object.get().lastModified().isAfter(state.updatedAt())) {
            return;
        }
        ObjectNode wanted = routing(state);
        Optional<ObjectNode> current = store.routing(state.model()).map(RolloutStore.Read::value);
        if (current.isEmpty() || !current.get().equals(wanted)) {
            store.writeRouting(state.model(), wanted);
        }
    }

    /**
     * The routing override the state wants: the current override's (or the configuration's) routing with the aliases
     * {@code stable} and {@code canary} and the weights of the step; once promoted or rolled back, {@code stable}
     * alone with all the weight, the canary alias gone.
     */
    private ObjectNode routing(RolloutState state) {
        ObjectNode routing = store.routing(state.model()).map(RolloutStore.Read::value)
                .or(() -> store.configRouting(state.model())).map(ObjectNode::deepCopy)
                .orElseGet(() -> store.mapper().createObjectNode());
        ObjectNode aliases = routing.get("aliases") instanceof ObjectNode node ? node : routing.putObject("aliases");
        ObjectNode weights = routing.putObject("weights");
        switch (state.status()) {
            case RUNNING -> {
                aliases.put("stable", state.stableVersion());
                aliases.put("canary", state.canaryVersion());
                weights.put("stable", 100 - state.weight());
                weights.put("canary", state.weight());
            }
            case PROMOTED -> {
                aliases.put("stable", state.canaryVersion());
                aliases.remove("canary");
                weights.put("stable", 100);
            }
            case ROLLED_BACK -> {
                aliases.put("stable", state.stableVersion());
                aliases.remove("canary");
                weights.put("stable", 100);
            }
        }
        return routing;
    }

    /** The {@code stable} alias of the routing override, else of the configuration. */
    private OptionalLong stableAlias(String model) {
        Optional<ObjectNode> routing = store.routing(model).map(RolloutStore.Read::value)
                .or(() -> store.configRouting(model));
        return routing.map(node -> node.path("aliases").path("stable")).filter(node -> node.canConvertToLong()
                && node.asLong() > 0).map(node -> OptionalLong.of(node.asLong())).orElse(OptionalLong.empty());
    }
}
