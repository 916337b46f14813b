package dev.quiver.inference.validation;

import dev.quiver.events.EventCodec;
import dev.quiver.events.EventTypes;
import dev.quiver.events.http.CloudEventSender;
import dev.quiver.events.inference.VersionAlert;
import dev.quiver.inference.InferenceConfig;
import dev.quiver.inference.runtime.LoadedModel;
import io.cloudevents.CloudEvent;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Raises a {@code dev.quiver.inference.version.alert.raised} CloudEvent when a version is taken out of service for its
 * answers: posted to {@code quiver.inference.output-checks.alert-sink} (Knative's K_SINK) when there is one, on a
 * thread of its own so that serving never waits for the sink, and always logged.
 */
@ApplicationScoped
public class VersionAlerts {

    private static final Logger LOG = Logger.getLogger(VersionAlerts.class);
    private static final URI SOURCE = URI.create("/quiver/inference");
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final EventCodec codec;
    private final Optional<URI> sink;
    private final CloudEventSender sender;

    public VersionAlerts(EventCodec codec, CloudEventSender sender, InferenceConfig config) {
        this.codec = codec;
        this.sender = sender;
        this.sink = config.inference().outputChecks().alertSink();
    }

    public void takenOutOfService(LoadedModel model, int failures, int window, String reason) {
        VersionAlert alert = new VersionAlert(model.name(), Long.toString(model.version()), model.digest(), failures,
                window, reason);
        CloudEvent event = codec.encode(EventTypes.INFERENCE_VERSION_ALERT_RAISED, SOURCE, alert, Map.of());
        LOG.errorf("model %s version %d taken out of service: %s; alert %s %s", model.name(), model.version(), reason,
                event.getId(), new String(codec.toJson(alert), StandardCharsets.UTF_8));
        sink.ifPresent(target -> Thread.ofVirtual().name("version-alert").start(() -> deliver(target, event)));
    }

    private void deliver(URI target, CloudEvent event) {
        try {
            HttpResponse<byte[]> answer = sender.send(target, event, TIMEOUT);
            if (answer.statusCode() >= 300) {
                LOG.warnf("version alert %s: sink %s answered %d", event.getId(), target, answer.statusCode());
            }
        } catch (IOException e) {
            LOG.warnf("version alert %s: sink %s unreachable: %s", event.getId(), target, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
