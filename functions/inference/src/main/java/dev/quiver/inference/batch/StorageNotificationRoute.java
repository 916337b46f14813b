package dev.quiver.inference.batch;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.admission.AdmissionLayer;
import dev.quiver.admission.http.SizedBodyHandler;
import dev.quiver.events.CorrelationExtensions;
import dev.quiver.events.EventCodec;
import dev.quiver.events.EventTypes;
import dev.quiver.events.InvalidEventException;
import dev.quiver.events.http.CloudEventHttp;
import dev.quiver.events.http.ReceivedEvent;
import dev.quiver.events.inference.BatchCompleted;
import dev.quiver.events.inference.ShardRequested;
import dev.quiver.events.tracing.EventTracing;
import dev.quiver.inference.InferenceConfig;
import dev.quiver.inference.InferenceException;
import dev.quiver.inference.batch.notification.NotificationOutcomes;
import dev.quiver.inference.batch.notification.NotificationShapes;
import dev.quiver.inference.batch.notification.NotifiedObject;
import dev.quiver.inference.batch.notification.Reading;
import dev.quiver.inference.batch.notification.SkipReason;
import dev.quiver.inference.batch.notification.Skipped;
import dev.quiver.inference.http.JsonErrors;
import io.cloudevents.CloudEvent;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;

/**
 * {@code POST /storage-notifications}: object-created notifications as the storage providers send them, raw or as
 * CloudEvents in binary or structured mode; {@link NotificationShapes} recognises which. Each object a rule matches
 * is run through its model; the answer is a {@code dev.quiver.inference.batch.completed} CloudEvent (in the
 * notification's mode) for one object delivered as a CloudEvent, else a JSON report: {@code completed} and, per
 * record, what became of it. A notification for an object version already processed is answered with its
 * completion as plain JSON, not as a second event. Test events, events about objects not created, folder
 * placeholders and objects no rule matches are answered 200 without work; a notification that is none, or names an
 * object that can never be processed, is a 4xx naming the field; a model that is not ready a 503, so that a sender
 * retries only what may pass. Every skip and refusal is logged and counted ({@link NotificationOutcomes}). The same
 * path takes the {@code dev.quiver.inference.shard.requested} events of objects split into shards ({@link ShardWork});
 * {@code GET /batch-progress} tells how far an object's batch has come ({@link BatchProgress}).
 */
@ApplicationScoped
public class StorageNotificationRoute {

    public static final String PATH = "/storage-notifications";
    public static final String PROGRESS_PATH = "/batch-progress";
    static final URI SOURCE = URI.create("/quiver/inference/batch");

    private final BatchInference batch;
    private final ShardWork shards;
    private final BatchProgress progress;
    private final BatchRules rules;
    private final JsonErrors errors;
    private final ObjectMapper mapper;
    private final EventCodec codec;
    private final Vertx vertx;
    private final NotificationShapes shapes;
    private final NotificationOutcomes outcomes;
    private final EventTracing tracing;

    public StorageNotificationRoute(BatchInference batch, ShardWork shards, BatchProgress progress, JsonErrors errors,
                                    ObjectMapper mapper, EventCodec codec, Vertx vertx, NotificationOutcomes outcomes,
                                    EventTracing tracing, InferenceConfig config) {
        this.batch = batch;
        this.shards = shards;
        this.progress = progress;
        this.rules = BatchRules.read(config.batch().rulesFile());
        this.errors = errors;
        this.mapper = mapper;
        this.codec = codec;
        this.vertx = vertx;
        this.shapes = new NotificationShapes(mapper);
        this.outcomes = outcomes;
        this.tracing = tracing;
    }

    void install(@Observes Router router) {
        router.post(PATH).order(AdmissionLayer.ROUTE_ORDER + 1).handler(this::notified);
        router.options(PATH).order(AdmissionLayer.ROUTE_ORDER + 1).handler(this::abuseProtection);
        router.get(PROGRESS_PATH).order(AdmissionLayer.ROUTE_ORDER + 1).handler(this::progress);
    }

    /**
     * {@code GET /batch-progress?bucket=&key=[&version=][&provider=]}: how far an object's batch has come, shards done
     * of all and rows per second while it runs in shards.
     */
    private void progress(RoutingContext context) {
        String bucket = context.request().getParam("bucket");
        String key = context.request().getParam("key");
        if (bucket == null || bucket.isBlank() || key == null || key.isBlank()) {
            errors.send(context, InferenceException.invalidInput("bucket and key: both are required query "
                    + "parameters, naming the input object"));
            return;
        }
        StorageProvider provider;
        try {
            provider = StorageProvider.valueOf(Optional.ofNullable(context.request().getParam("provider"))
                    .orElse(StorageProvider.S3.name()));
        } catch (IllegalArgumentException e) {
            errors.send(context, InferenceException.invalidInput("provider: expected one of "
                    + List.of(StorageProvider.values())));
            return;
        }
        Optional<String> version = Optional.ofNullable(context.request().getParam("version"))
                .filter(text -> !text.isBlank());
        Optional<BatchRule> rule = rules.match(new ObjectCreated(bucket, key, version.orElse(""), 0, provider));
        if (rule.isEmpty()) {
            errors.send(context, InferenceException.notFound("no batch rule matches " + bucket + "/"
                    + InferenceException.shown(key)));
            return;
        }
        vertx.executeBlocking(() -> progress.of(provider, bucket, key, version, rule.get()), false)
                .onSuccess(report -> json(context, report))
                .onFailure(failure -> errors.send(context, failure instanceof IllegalArgumentException
                        || failure instanceof InvalidNotificationException
                        ? InferenceException.invalidInput("bucket and key: " + failure.getMessage()) : failure));
    }

    /**
     * The CloudEvents webhook handshake (Event Grid's CloudEvents schema sends it before any event): the origin asking
     * to deliver is allowed, at any rate.
     */
    private void abuseProtection(RoutingContext context) {
        String origin = context.request().getHeader("WebHook-Request-Origin");
        HttpServerResponse response = context.response().setStatusCode(200).putHeader("Allow", "POST, OPTIONS");
        if (origin != null && !origin.isBlank()) {
            outcomes.skipped(new Skipped("notification", SkipReason.SUBSCRIPTION_VALIDATION, "webhook delivery "
                    + "allowed for origin " + InferenceException.shown(origin)));
            response.putHeader("WebHook-Allowed-Origin", origin).putHeader("WebHook-Allowed-Rate", "*");
        }
        response.end();
    }

    private void notified(RoutingContext context) {
        Optional<ReceivedEvent> shard;
        try {
            shard = shardEvent(context);
        } catch (InvalidEventException e) {
            refuse(context, new InvalidNotificationException(e.getMessage()));
            return;
        }
        if (shard.isPresent()) {
            shard(context, shard.get());
            return;
        }
        Notification notification;
        List<Match> matches = new ArrayList<>();
        List<Skipped> skipped;
        try {
            notification = notification(context);
            skipped = new ArrayList<>(notification.reading().skipped());
            for (NotifiedObject notified : notification.reading().created()) {
                rules.match(notified.object()).ifPresentOrElse(rule -> matches.add(new Match(notified, rule)),
                        () -> skipped.add(new Skipped(notified.record(), SkipReason.NO_RULE, "no batch rule matches "
                                + notified.object().bucket() + "/" + InferenceException.shown(notified.object()
                                .key()))));
            }
        } catch (InvalidNotificationException e) {
            refuse(context, e);
            return;
        } catch (InvalidEventException e) {
            refuse(context, new InvalidNotificationException(e.getMessage()));
            return;
        }
        skipped.forEach(outcomes::skipped);
        if (notification.reading().handshake().isPresent()) {
            json(context, notification.reading().handshake().get());
            return;
        }
        if (matches.isEmpty()) {
            report(context, List.of(), List.of(), skipped);
            return;
        }
        Span span = notification.events().isEmpty() ? null : tracing.startProcess(notification.events());
        blocking(span, () -> {
            List<Outcome> done = new ArrayList<>();
            List<Refused> refused = new ArrayList<>();
            for (Match match : matches) {
                try {
                    BatchInference.BatchOutcome outcome = batch.run(match.notified().object(), match.rule());
                    outcomes.processed(outcome.fresh());
                    done.add(new Outcome(match.notified().record(), outcome));
                } catch (InvalidNotificationException e) {
                    if (matches.size() == 1) {
                        throw e;
                    }
                    // a sender does not redeliver a 4xx: one object that can never be read must not cost the other
                    // records of the batch their processing
                    outcomes.refused(e.reason(), InferenceException.invalidInput(e.getMessage()).kind().status(),
                            e.getMessage());
                    refused.add(new Refused(match.notified().record(), e.reason(), e.getMessage()));
                }
            }
            return new Processed(done, refused);
        }).onSuccess(processed -> reply(context, notification, processed, skipped, span)).onFailure(failure -> {
            if (failure instanceof InvalidNotificationException e) {
                refuse(context, e);
            } else {
                errors.send(context, failure);
            }
        });
    }

    /** A {@code dev.quiver.inference.shard.requested} event, which this path takes beside notifications. */
    private Optional<ReceivedEvent> shardEvent(RoutingContext context) {
        String contentType = context.request().getHeader("Content-Type");
        if (CloudEventHttp.isBatch(contentType)) {
            return Optional.empty();
        }
        String type = context.request().getHeader("ce-type");
        boolean structured = type == null && CloudEventHttp.isCloudEvent(contentType,
                context.request().getHeader("ce-specversion"));
        if (!EventTypes.INFERENCE_SHARD_REQUESTED.equals(type) && !structured) {
            return Optional.empty();
        }
        ReceivedEvent event = CloudEventHttp.read(context.request().headers()::forEach,
                SizedBodyHandler.bytes(context));
        return EventTypes.INFERENCE_SHARD_REQUESTED.equals(event.event().getType()) ? Optional.of(event)
                : Optional.empty();
    }

    /**
     * Runs a shard; the one that completes the object answers with the {@code dev.quiver.inference.batch.completed}
     * event (which the broker delivers), the others with 202 and no event.
     */
    private void shard(RoutingContext context, ReceivedEvent received) {
        ShardRequested shard;
        try {
            shard = codec.decode(received.requireJsonData().event(), ShardRequested.class);
        } catch (InvalidEventException e) {
            refuse(context, new InvalidNotificationException(e.getMessage()));
            return;
        }
        ObjectCreated object = new ObjectCreated(shard.bucket(), shard.key(), shard.inputVersion(), 0,
                StorageProvider.S3);
        Optional<BatchRule> rule = rules.match(object);
        if (rule.isEmpty()) {
            Skipped skip = new Skipped("shard " + shard.shard(), SkipReason.NO_RULE, "no batch rule matches "
                    + shard.bucket() + "/" + InferenceException.shown(shard.key()) + " any more");
            outcomes.skipped(skip);
            report(context, List.of(), List.of(), List.of(skip));
            return;
        }
        Span span = tracing.startProcess(received.event());
        blocking(span, () -> shards.run(shard, rule.get())).onSuccess(completed -> {
            if (completed.isPresent()) {
                outcomes.processed(true);
                completion(context, completed.get(), received, span);
            } else {
                context.response().setStatusCode(202).end();
            }
        }).onFailure(failure -> {
            if (failure instanceof InvalidNotificationException e) {
                refuse(context, e);
            } else {
                errors.send(context, failure);
            }
        });
    }

    /**
     * Runs {@code work} on a worker thread, in the span of the event being processed when there is one (its shards
     * and predictions continue that trace), and ends the span when the work is done.
     */
    private <T> Future<T> blocking(Span span, Callable<T> work) {
        if (span == null) {
            return vertx.executeBlocking(work, false);
        }
        return vertx.executeBlocking(Context.current().with(span).wrap(work), false).onComplete(done -> {
            if (done.failed()) {
                span.recordException(done.cause());
                span.setStatus(StatusCode.ERROR);
            }
            span.end();
        });
    }

    private void refuse(RoutingContext context, InvalidNotificationException e) {
        InferenceException answer = InferenceException.invalidInput(e.getMessage());
        outcomes.refused(e.reason(), answer.kind().status(), e.getMessage());
        errors.send(context, answer);
    }

    private Notification notification(RoutingContext context) {
        byte[] body = SizedBodyHandler.bytes(context);
        String contentType = context.request().getHeader("Content-Type");
        if (CloudEventHttp.isBatch(contentType)) {
            Reading reading = new Reading();
            List<ReceivedEvent> events = CloudEventHttp.readBatch(body);
            for (int i = 0; i < events.size(); i++) {
                NotificationShapes.requireNotification(events.get(i).event());
                ReceivedEvent received;
                try {
                    received = events.get(i).requireJsonData();
                } catch (InvalidEventException e) {
                    throw new InvalidEventException("[" + i + "]: " + e.getMessage());
                }
                shapes.read(received.event(), received.data(), "[" + i + "].", reading);
            }
            return new Notification(null, events.stream().map(ReceivedEvent::event).toList(), reading);
        }
        if (CloudEventHttp.isCloudEvent(contentType, context.request().getHeader("ce-specversion"))) {
            ReceivedEvent event = CloudEventHttp.read(context.request().headers()::forEach, body);
            NotificationShapes.requireNotification(event.event());
            ReceivedEvent received = event.requireJsonData();
            Reading reading = new Reading();
            shapes.read(received.event(), received.data(), "", reading);
            return new Notification(received, List.of(received.event()), reading);
        }
        if (body.length == 0) {
            throw new InvalidNotificationException("notification: the body is empty");
        }
        return new Notification(null, List.of(), shapes.read(shapes.parse(body)));
    }

    private void reply(RoutingContext context, Notification notification, Processed processed,
                       List<Skipped> skipped, Span span) {
        List<Outcome> done = processed.done();
        if (notification.event() != null && done.size() == 1 && done.getFirst().outcome().fresh()
                && done.getFirst().outcome().completed() != null && skipped.isEmpty()
                && processed.refused().isEmpty()) {
            completion(context, done.getFirst().outcome().completed(), notification.event(), span);
            return;
        }
        report(context, done, processed.refused(), skipped);
    }

    /**
     * The one {@code dev.quiver.inference.batch.completed} of an object version, in the mode of the event it answers;
     * its id follows from the version, so whichever path completed it, it is the same event. It continues the trace
     * of the event it answers.
     */
    private void completion(RoutingContext context, BatchCompleted completed, ReceivedEvent answered, Span span) {
        String id = UUID.nameUUIDFromBytes((completed.input() + '\u0000' + completed.inputVersion())
                .getBytes(StandardCharsets.UTF_8)).toString();
        CloudEvent event = codec.encode(id, EventTypes.INFERENCE_BATCH_COMPLETED, SOURCE, null, completed,
                Map.of(CorrelationExtensions.CORRELATION_ID, answered.event().getId()));
        HttpServerResponse response = context.response().setStatusCode(200);
        CloudEventHttp.write(EventTracing.carrying(event, span), answered.mode(), response::putHeader,
                data -> response.end(Buffer.buffer(data)));
    }

    private void report(RoutingContext context, List<Outcome> done, List<Refused> refused, List<Skipped> skipped) {
        List<RecordReport> records = new ArrayList<>();
        for (Outcome outcome : done) {
            BatchInference.BatchOutcome batch = outcome.outcome();
            records.add(batch.completed() == null
                    ? new RecordReport(outcome.record(), "sharded", null, batch.pendingShards()
                            + " shards sent to the broker; the completion event follows the last")
                    : new RecordReport(outcome.record(), "completed", batch.fresh() ? null : "already-processed",
                            batch.completed().output()));
        }
        for (Refused refusal : refused) {
            records.add(new RecordReport(refusal.record(), "refused", refusal.reason(), refusal.detail()));
        }
        for (Skipped skip : skipped) {
            records.add(new RecordReport(skip.record(), "skipped", skip.reason().label(), skip.detail()));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("completed", done.stream().map(outcome -> outcome.outcome().completed()).filter(Objects::nonNull)
                .toList());
        body.put("records", records);
        json(context, body);
    }

    private void json(RoutingContext context, Object body) {
        try {
            context.response().setStatusCode(200).putHeader("Content-Type", "application/json")
                    .end(Buffer.buffer(mapper.writeValueAsBytes(body)));
        } catch (IOException e) {
            errors.send(context, e);
        }
    }

    /**
     * @param event   the notification as a single CloudEvent, null for a raw one or a batch
     * @param events  the CloudEvents it came as (one, or a batch's), empty for a raw one
     * @param reading what it names
     */
    private record Notification(ReceivedEvent event, List<CloudEvent> events, Reading reading) {
    }

    private record Match(NotifiedObject notified, BatchRule rule) {
    }

    private record Outcome(String record, BatchInference.BatchOutcome outcome) {
    }

    /** A record of a notification of several whose object can never be processed; the others were. */
    private record Refused(String record, String reason, String detail) {
    }

    private record Processed(List<Outcome> done, List<Refused> refused) {
    }

    /** One record of the notification in the report: completed (with its results), refused or skipped (with why). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record RecordReport(String record, String outcome, String reason, String detail) {
    }
}
