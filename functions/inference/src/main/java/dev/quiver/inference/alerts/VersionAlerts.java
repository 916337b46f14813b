package dev.quiver.inference.alerts;

import dev.quiver.events.EventTypes;
import dev.quiver.events.inference.VersionAlert;
import dev.quiver.inference.runtime.LoadedModel;
import jakarta.enterprise.context.ApplicationScoped;

/** Raises {@code dev.quiver.inference.version.alert.raised} when a version is taken out of service for its answers. */
@ApplicationScoped
public class VersionAlerts {

    private final AlertSink sink;

    public VersionAlerts(AlertSink sink) {
        this.sink = sink;
    }

    public void takenOutOfService(LoadedModel model, int failures, int window, String reason) {
        sink.send(EventTypes.INFERENCE_VERSION_ALERT_RAISED, new VersionAlert(model.name(),
                        Long.toString(model.version()), model.digest(), failures, window, reason),
                "model %s version %d taken out of service: %s".formatted(model.name(), model.version(), reason));
    }
}
