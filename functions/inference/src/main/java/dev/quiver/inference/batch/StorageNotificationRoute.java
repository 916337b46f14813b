package dev.quiver.inference.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.admission.AdmissionLayer;
import dev.quiver.events.CorrelationExtensions;
import dev.quiver.events.EventCodec;
import dev.quiver.events.EventTypes;
import dev.quiver.events.InvalidEventException;
import dev.quiver.events.http.CloudEventHttp;
import dev.quiver.events.http.ReceivedEvent;
import dev.quiver.events.inference.BatchCompleted;
import dev.quiver.inference.InferenceConfig;
import dev.quiver.inference.InferenceException;
import dev.quiver.inference.http.JsonErrors;
import io.cloudevents.CloudEvent;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * {@code POST /storage-notifications}: object-created notifications, raw (an S3 event notification, a MinIO webhook)
 * or as CloudEvents in binary or structured mode (Cloud Storage's {@code google.cloud.storage.object.v1.finalized},
 * S3 records wrapped by a Knative source; any type, read with the events library's HTTP binding, the data JSON). Each
 * object a rule matches is run through its model; the answer is a {@code dev.quiver.inference.batch.completed}
 * CloudEvent (in the notification's mode) for one object delivered as a CloudEvent, a JSON list otherwise, and 204
 * when no rule matched. A notification for an object version already processed is answered with its completion as
 * plain JSON, not as a second event. A notification that is not one is a 400, a model that is not ready a 503, so that
 * the broker retries only what may pass.
 */
@ApplicationScoped
public class StorageNotificationRoute {

    public static final String PATH = "/storage-notifications";
    static final URI SOURCE = URI.create("/quiver/inference/batch");

    private final BatchInference batch;
    private final BatchRules rules;
    private final JsonErrors errors;
    private final ObjectMapper mapper;
    private final EventCodec codec;
    private final Vertx vertx;
    private final long maxBodyBytes;

    public StorageNotificationRoute(BatchInference batch, JsonErrors errors, ObjectMapper mapper, EventCodec codec,
                                    Vertx vertx, InferenceConfig config) {
        this.batch = batch;
        this.rules = BatchRules.read(config.batch().rulesFile());
        this.errors = errors;
        this.mapper = mapper;
        this.codec = codec;
        this.vertx = vertx;
        this.maxBodyBytes = config.inference().maxRequestSize().asLongValue();
    }

    void install(@Observes Router router) {
        router.post(PATH).order(AdmissionLayer.ROUTE_ORDER + 1)
                .handler(BodyHandler.create(false).setBodyLimit(maxBodyBytes))
                .handler(this::notified);
    }

    private void notified(RoutingContext context) {
        Notification notification;
        List<Match> matches = new ArrayList<>();
        try {
            notification = notification(context);
            for (ObjectCreated object : StorageNotifications.read(notification.data())) {
                rules.match(object).ifPresent(rule -> matches.add(new Match(object, rule)));
            }
        } catch (InvalidNotificationException | InvalidEventException e) {
            errors.send(context, InferenceException.invalidInput(e.getMessage()));
            return;
        }
        if (matches.isEmpty()) {
            context.response().setStatusCode(204).end();
            return;
        }
        vertx.executeBlocking(() -> {
            List<BatchInference.BatchOutcome> outcomes = new ArrayList<>();
            for (Match match : matches) {
                outcomes.add(batch.run(match.object(), match.rule()));
            }
            return outcomes;
        }, false).onSuccess(completed -> reply(context, notification, completed)).onFailure(failure -> {
            if (failure instanceof InvalidNotificationException e) {
                errors.send(context, InferenceException.invalidInput(e.getMessage()));
            } else {
                errors.send(context, failure);
            }
        });
    }

    private Notification notification(RoutingContext context) {
        Buffer buffer = context.body().buffer();
        byte[] body = buffer == null ? new byte[0] : buffer.getBytes();
        if (CloudEventHttp.isCloudEvent(context.request().getHeader("Content-Type"),
                context.request().getHeader("ce-specversion"))) {
            ReceivedEvent received = CloudEventHttp.read(context.request().headers()::forEach, body)
                    .requireJsonData();
            return new Notification(received, received.data());
        }
        if (body.length == 0) {
            throw new InvalidNotificationException("notification: the body is empty");
        }
        try {
            return new Notification(null, mapper.readTree(body));
        } catch (IOException e) {
            throw new InvalidNotificationException("notification: not valid JSON");
        }
    }

    private void reply(RoutingContext context, Notification notification,
                       List<BatchInference.BatchOutcome> outcomes) {
        List<BatchCompleted> completed = outcomes.stream().map(BatchInference.BatchOutcome::completed).toList();
        if (notification.event() != null && outcomes.size() == 1 && outcomes.getFirst().fresh()) {
            BatchCompleted only = completed.getFirst();
            String id = UUID.nameUUIDFromBytes((only.input() + '\u0000' + only.inputVersion())
                    .getBytes(StandardCharsets.UTF_8)).toString();
            CloudEvent event = codec.encode(id, EventTypes.INFERENCE_BATCH_COMPLETED, SOURCE, null, only,
                    Map.of(CorrelationExtensions.CORRELATION_ID, notification.event().event().getId()));
            HttpServerResponse response = context.response().setStatusCode(200);
            CloudEventHttp.write(event, notification.event().mode(), response::putHeader,
                    data -> response.end(Buffer.buffer(data)));
            return;
        }
        try {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("completed", completed);
            context.response().setStatusCode(200).putHeader("Content-Type", "application/json")
                    .end(Buffer.buffer(mapper.writeValueAsBytes(body)));
        } catch (IOException e) {
            errors.send(context, e);
        }
    }

    /**
     * @param event the notification as a CloudEvent, null for a raw one
     * @param data  what names the objects: the event's data or the raw body
     */
    private record Notification(ReceivedEvent event, JsonNode data) {
    }

    private record Match(ObjectCreated object, BatchRule rule) {
    }
}
