package dev.quiver.inference.alerts;

import dev.quiver.events.EventCodec;
import dev.quiver.events.http.CloudEventSender;
import dev.quiver.inference.InferenceConfig;
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
 * Where the inference function's alerts go: always the log, and {@code quiver.inference.alert-sink} (Knative's
 * K_SINK) when there is one, posted as a binary-mode CloudEvent on a thread of its own so that serving never waits for
 * the sink.
 */
@ApplicationScoped
public class AlertSink {

    private static final Logger LOG = Logger.getLogger(AlertSink.class);
    private static final URI SOURCE = URI.create("/quiver/inference");
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final EventCodec codec;
    private final Optional<URI> sink;
    private final CloudEventSender sender;

    public AlertSink(EventCodec codec, CloudEventSender sender, InferenceConfig config) {
        this.codec = codec;
        this.sender = sender;
        this.sink = config.inference().alertSink();
    }

    /** Logs the alert with what it says and sends it; returns at once. */
    public void send(String type, Record alert, String summary) {
        CloudEvent event = codec.encode(type, SOURCE, alert, Map.of());
        LOG.errorf("%s; alert %s %s", summary, event.getId(), new String(codec.toJson(alert), StandardCharsets.UTF_8));
        sink.ifPresent(target -> Thread.ofVirtual().name("alert").start(() -> deliver(target, event)));
    }

    private void deliver(URI target, CloudEvent event) {
        try {
            HttpResponse<byte[]> answer = sender.send(target, event, TIMEOUT);
            if (answer.statusCode() >= 300) {
                LOG.warnf("alert %s: sink %s answered %d", event.getId(), target, answer.statusCode());
            }
        } catch (IOException e) {
            LOG.warnf("alert %s: sink %s unreachable: %s", event.getId(), target, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
