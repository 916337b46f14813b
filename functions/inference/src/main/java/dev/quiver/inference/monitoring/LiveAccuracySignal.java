package dev.quiver.inference.monitoring;

import dev.quiver.inference.rollout.RolloutSignal;
import dev.quiver.inference.rollout.Tally;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;

/**
 * Live accuracy as a rollout signal, {@code accuracy}: of the labels joined on this replica to a classifier version's
 * answers, how many were right. A rollout judges it with a criterion such as
 * {@code {name: accuracy, min_rate: 0.9, min_trials: 50}}.
 */
@ApplicationScoped
public class LiveAccuracySignal implements RolloutSignal {

    private final ModelMonitoring monitoring;

    public LiveAccuracySignal(ModelMonitoring monitoring) {
        this.monitoring = monitoring;
    }

    @Override
    public String name() {
        return "accuracy";
    }

    @Override
    public Optional<Tally> tally(String model, long version) {
        return monitoring.servedMonitor(model, version).map(VersionMonitor::classifierLabels)
                .filter(tally -> tally.trials() > 0);
    }
}
