package dev.quiver.inference.rollout;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.inference.InferenceConfig;
import dev.quiver.inference.ReplicaName;
import dev.quiver.inference.alerts.ModelAlerts;
import dev.quiver.inference.repository.ModelEntry;
import dev.quiver.inference.repository.ModelRegistry;
import dev.quiver.inference.repository.VersionEntry;
import dev.quiver.storage.ObjectStores;
import dev.quiver.storage.S3Config;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Clock;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The rollout controller of this replica: opens the model repository's store, where rollouts are kept, and ticks
 * every {@code quiver.inference.rollout.tick} on a thread of its own for each model the replica serves. Every replica
 * runs one; the conditional writes of {@link Rollouts} keep them from deciding a step twice.
 */
@ApplicationScoped
public class RolloutController {

    private static final Logger LOG = Logger.getLogger(RolloutController.class);

    private final InferenceConfig.Rollout config;
    private final ModelRegistry registry;
    private final RolloutStore store;
    private final Rollouts rollouts;
    private final RolloutPlans plans;
    private ScheduledExecutorService executor;

    public RolloutController(InferenceConfig config, S3Config s3, ModelRegistry registry, ReplicaStatistics statistics,
                             ModelAlerts alerts, ObjectMapper mapper, Clock clock) {
        this.config = config.inference().rollout();
        this.registry = registry;
        this.store = new RolloutStore(ObjectStores.open(config.modelRepository(), s3.settings()), mapper);
        this.rollouts = new Rollouts(store, statistics, alerts::raise, clock,
                this.config.replica().orElseGet(ReplicaName::create));
        this.plans = new RolloutPlans(this.config.steps(), this.config.bake(), new CanaryCriteria(
                this.config.minRequests(), this.config.maxFaultRateIncrease(),
                this.config.maxOutputCheckFailureIncrease(), this.config.latencyQuantile(),
                this.config.maxLatencyRatio(), this.config.minLatencyIncrease().toNanos() / 1e6, List.of()));
    }

    public Rollouts rollouts() {
        return rollouts;
    }

    public RolloutPlans plans() {
        return plans;
    }

    /** The highest version this replica serves other than {@code canary}: the stable version when none is named. */
    public OptionalLong servingOtherThan(String model, long canary) {
        ModelEntry entry = registry.models().get(model);
        if (entry == null) {
            return OptionalLong.empty();
        }
        return entry.versions().descendingMap().values().stream().filter(VersionEntry::serving)
                .mapToLong(VersionEntry::version).filter(version -> version != canary).findFirst();
    }

    void start(@Observes StartupEvent startup) {
        LOG.infof("model rollouts kept in %s; replica %s ticks every %s", store.location(), rollouts.replica(),
                config.tick());
        executor = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("quiver-rollout").daemon().factory());
        executor.scheduleWithFixedDelay(this::tick, config.tick().toMillis(), config.tick().toMillis(),
                TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent shutdown) {
        if (executor != null) {
            executor.shutdownNow();
        }
    }

    private void tick() {
        for (String model : List.copyOf(registry.models().keySet())) {
            try {
                rollouts.tick(model);
            } catch (RuntimeException e) {
                LOG.warnf("model %s: rollout tick failed, tried again at the next: %s", model, e.getMessage());
            }
        }
    }
}
