package dev.quiver.inference.validation;

import dev.quiver.events.EventCodec;
import dev.quiver.events.EventTypes;
import dev.quiver.events.http.CloudEventHttp;
import dev.quiver.events.inference.VersionAlert;
import dev.quiver.inference.InferenceConfig;
import dev.quiver.inference.runtime.LoadedModel;
import io.cloudevents.CloudEvent;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Raises a {@code dev.quiver.inference.version.alert.raised} CloudEvent when a version is taken out of service for its
 * answers: posted to {@code quiver.inference.output-checks.alert-sink} (Knative's K_SINK) when there is one, and
 * always logged.
 */
@ApplicationScoped
public class VersionAlerts {

    private static final Logger LOG = Logger.getLogger(VersionAlerts.class);
    private static final URI SOURCE = URI.create("/quiver/inference");

    private final EventCodec codec;
    private final Optional<URI> sink;
    private final HttpClient http;

    public VersionAlerts(EventCodec codec, InferenceConfig config, Vertx vertx) {
        this.codec = codec;
        this.sink = config.inference().outputChecks().alertSink();
        this.http = vertx.createHttpClient();
    }

    public void takenOutOfService(LoadedModel model, int failures, int window, String reason) {
        VersionAlert alert = new VersionAlert(model.name(), Long.toString(model.version()), model.digest(), failures,
                window, reason);
        CloudEvent event = codec.encode(EventTypes.INFERENCE_VERSION_ALERT_RAISED, SOURCE, alert, Map.of());
        Map<String, String> headers = new LinkedHashMap<>();
        Buffer body = Buffer.buffer();
        CloudEventHttp.write(event, CloudEventHttp.Mode.STRUCTURED, headers::put, body::appendBytes);
        LOG.errorf("model %s version %d taken out of service: %s; alert %s", model.name(), model.version(), reason,
                body.toString(StandardCharsets.UTF_8));
        if (sink.isEmpty()) {
            return;
        }
        URI target = sink.get();
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(target.toString());
        headers.forEach(options::putHeader);
        http.request(options)
                .compose(request -> request.send(body))
                .onSuccess(response -> {
                    if (response.statusCode() >= 300) {
                        LOG.warnf("version alert %s: sink %s answered %d", event.getId(), target,
                                response.statusCode());
                    }
                })
                .onFailure(failure -> LOG.warnf("version alert %s: sink %s unreachable: %s", event.getId(), target,
                        failure.getMessage()));
    }
}
