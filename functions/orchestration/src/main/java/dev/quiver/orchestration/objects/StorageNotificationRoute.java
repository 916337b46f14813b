package dev.quiver.orchestration.objects;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.quiver.admission.AdmissionLayer;
import dev.quiver.admission.http.SizedBodyHandler;
import dev.quiver.events.InvalidEventException;
import dev.quiver.events.http.CloudEventHttp;
import dev.quiver.events.http.ReceivedEvent;
import dev.quiver.events.tracing.EventTracing;
import dev.quiver.orchestration.events.ErrorReplies;
import dev.quiver.orchestration.runs.RunRefusedException;
import dev.quiver.orchestration.store.StoreException;
import dev.quiver.orchestration.store.StoreRefusedException;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /storage-notifications}: an object-created notification ({@link ObjectNotifications}) starts a run of
 * every pipeline whose {@code on-object} matches the object ({@link ObjectRuns}). 202 with the runs, none when no
 * pipeline matches or the notification is of another kind; a redelivery answers with the same runs and starts none.
 */
@ApplicationScoped
public class StorageNotificationRoute {

    private static final String PATH = "/storage-notifications";
    private static final long MAX_BODY_BYTES = 1024 * 1024;
    private static final ObjectMapper STRICT = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    private final ObjectRuns runs;
    private final ErrorReplies replies;
    private final ObjectMapper json;
    private final EventTracing tracing;

    public StorageNotificationRoute(ObjectRuns runs, ErrorReplies replies, ObjectMapper json, EventTracing tracing) {
        this.runs = runs;
        this.replies = replies;
        this.json = json;
        this.tracing = tracing;
    }

    void install(@Observes @Priority(SizedBodyHandler.ENDPOINT_PRIORITY) Router router) {
        new SizedBodyHandler(MAX_BODY_BYTES, "1 MiB per storage notification").install(router, HttpMethod.POST, PATH);
        router.post(PATH).order(AdmissionLayer.ROUTE_ORDER + 1)
                .blockingHandler(this::notified, false);
    }

    private void notified(RoutingContext context) {
        byte[] body = SizedBodyHandler.bytes(context);
        List<ObjectCreated> objects;
        ReceivedEvent event = null;
        try {
            if (CloudEventHttp.isCloudEvent(context.request().getHeader("Content-Type"),
                    context.request().getHeader("ce-specversion"))) {
                event = CloudEventHttp.read(context.request().headers()::forEach, body)
                        .requireJsonData();
                objects = ObjectNotifications.read(event.event().getType(), event.data());
            } else {
                objects = ObjectNotifications.read(body.length == 0 ? null : STRICT.readTree(body));
            }
        } catch (JsonProcessingException e) {
            replies.send(context, 400, "request body: not JSON (" + e.getOriginalMessage() + ")");
            return;
        } catch (IOException e) {
            throw new UncheckedIOException("a request body in memory could not be read", e);
        } catch (InvalidEventException | InvalidNotificationException e) {
            replies.send(context, 400, e.getMessage());
            return;
        }
        // a notification sent as a CloudEvent is processed in a span that continues its trace, which its runs join
        Span span = event == null ? Span.current() : tracing.startProcess(event.event());
        try (Scope ignored = span.makeCurrent()) {
            List<ObjectRuns.Started> started = runs.start(objects);
            context.response().setStatusCode(202).putHeader("Content-Type", "application/json")
                    .end(json.writeValueAsString(Map.of("runs", started)));
        } catch (RunRefusedException | StoreRefusedException e) {
            replies.send(context, 400, e.getMessage());
        } catch (StoreException e) {
            context.response().putHeader("Retry-After", "5");
            replies.send(context, 503, "the run store is unavailable; retry later");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("runs cannot be written as JSON", e);
        } finally {
            if (event != null) {
                span.end();
            }
        }
    }
}
