package dev.quiver.inference.alerts;

import dev.quiver.events.EventTypes;
import dev.quiver.events.model.ModelAlert;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Raises {@code dev.quiver.model.alert.raised}: a serving version is stale, answers the same to everything, sees
 * drifted inputs, fails its golden set, loses live accuracy, or its canary was rolled back. Counted in
 * {@code quiver_model_alerts_total{model,version,kind}}. A caller raises an alert once per finding (when a condition
 * starts to hold, not on every check while it holds).
 */
@ApplicationScoped
public class ModelAlerts {

    private final AlertSink sink;
    private final MeterRegistry registry;

    public ModelAlerts(AlertSink sink, MeterRegistry registry) {
        this.sink = sink;
        this.registry = registry;
    }

    public void raise(ModelAlert alert) {
        Counter.builder("quiver.model.alerts")
                .description("Alerts raised about model versions, by kind")
                .tags("model", alert.model(), "version", alert.modelVersion(), "kind", alert.kind())
                .register(registry)
                .increment();
        sink.send(EventTypes.MODEL_ALERT_RAISED, alert, "model %s version %s: %s alert: %s".formatted(alert.model(),
                alert.modelVersion(), alert.kind(), alert.reason()));
    }
}
