package dev.quiver.inference.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.admission.AdmissionLayer;
import dev.quiver.events.CorrelationExtensions;
import dev.quiver.events.EventTypes;
import dev.quiver.events.inference.BatchCompleted;
import dev.quiver.inference.InferenceConfig;
import dev.quiver.inference.InferenceException;
import dev.quiver.inference.http.JsonErrors;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code POST /storage-notifications}: object-created notifications, raw (an S3 event notification, a MinIO webhook)
 * or as CloudEvents in binary or structured mode (Cloud Storage's {@code google.cloud.storage.object.v1.finalized},
 * S3 records wrapped by a Knative source). Each object a rule matches is run through its model; the answer is a
 * {@code dev.quiver.inference.batch.completed} CloudEvent (binary mode) for one object delivered as a CloudEvent, a
 * JSON list otherwise, and 204 when no rule matched. A notification for an object version already processed is
 * answered with its completion as plain JSON, not as a second event. A notification that is not one is a 400, a model
 * that is not ready a 503, so that the broker retries only what may pass.
 */
@ApplicationScoped
public class StorageNotificationRoute {

    public static final String PATH = "/storage-notifications";
    static final String SOURCE = "/quiver/inference/batch";

    private final BatchInference batch;
    private final BatchRules rules;
    private final JsonErrors errors;
    private final ObjectMapper mapper;
    private final Vertx vertx;
    private final long maxBodyBytes;

    public StorageNotificationRoute(BatchInference batch, JsonErrors errors, ObjectMapper mapper, Vertx vertx,
                                    InferenceConfig config) {
        this.batch = batch;
        this.rules = BatchRules.read(config.batch().rulesFile());
        this.errors = errors;
        this.mapper = mapper;
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
        } catch (InvalidNotificationException e) {
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
        Buffer body = context.body().buffer();
        if (body == null || body.length() == 0) {
            throw new InvalidNotificationException("notification: the body is empty");
        }
        JsonNode json;
        try {
            json = mapper.readTree(body.getBytes());
        } catch (IOException e) {
            throw new InvalidNotificationException("notification: not valid JSON");
        }
        String contentType = context.request().getHeader("Content-Type");
        if (contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("application/cloudevents+json")) {
            if (!json.path("id").isTextual()) {
                throw new InvalidNotificationException("structured CloudEvent: missing required attribute id");
            }
            return new Notification(Optional.of(json.get("id").asText()), json.get("data"));
        }
        return new Notification(Optional.ofNullable(context.request().getHeader("ce-id")), json);
    }

    private void reply(RoutingContext context, Notification notification,
                       List<BatchInference.BatchOutcome> outcomes) {
        List<BatchCompleted> completed = outcomes.stream().map(BatchInference.BatchOutcome::completed).toList();
        try {
            if (notification.eventId().isPresent() && outcomes.size() == 1 && outcomes.getFirst().fresh()) {
                BatchCompleted only = completed.getFirst();
                String id = UUID.nameUUIDFromBytes((only.input() + '\u0000' + only.inputVersion())
                        .getBytes(StandardCharsets.UTF_8)).toString();
                context.response().setStatusCode(200)
                        .putHeader("ce-specversion", "1.0")
                        .putHeader("ce-id", id)
                        .putHeader("ce-source", SOURCE)
                        .putHeader("ce-type", EventTypes.INFERENCE_BATCH_COMPLETED)
                        .putHeader("ce-" + CorrelationExtensions.CORRELATION_ID, notification.eventId().get())
                        .putHeader("Content-Type", "application/json")
                        .end(Buffer.buffer(mapper.writeValueAsBytes(only)));
                return;
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("completed", completed);
            context.response().setStatusCode(200).putHeader("Content-Type", "application/json")
                    .end(Buffer.buffer(mapper.writeValueAsBytes(body)));
        } catch (IOException e) {
            errors.send(context, e);
        }
    }

    private record Notification(Optional<String> eventId, JsonNode data) {
    }

    private record Match(ObjectCreated object, BatchRule rule) {
    }
}
