package dev.quiver.inference.events;

import dev.quiver.admission.AdmissionLayer;
import dev.quiver.admission.http.SizedBodyHandler;
import dev.quiver.events.EventTypes;
import dev.quiver.events.InvalidEventException;
import dev.quiver.events.http.CloudEventGuard;
import dev.quiver.events.http.CloudEventHttp;
import dev.quiver.events.http.ReceivedEvent;
import dev.quiver.events.tracing.EventTracing;
import dev.quiver.inference.http.JsonErrors;
import dev.quiver.inference.monitoring.LabelEvents;
import io.cloudevents.CloudEvent;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The CloudEvent endpoint ({@code POST /}), in binary and structured mode: the event types the function consumes and
 * the function that takes each, declared once below; the {@link CloudEventGuard} lets through only those, as valid
 * CloudEvents with JSON data, and refuses anything else with a 400 naming what is wrong (Knative retries 5xx and not
 * 4xx, so only our own transient faults may be 5xx). The reply event goes back in the mode the request came in. Every
 * failure is a JSON body. A function that has nothing to reply (a label) is answered 202 without a body. Each event is
 * handled in a span that continues the trace it carries ({@link EventTracing}), and its reply carries that span's
 * context.
 */
@ApplicationScoped
public class CloudEventRoutes {

    private final Map<String, Function<CloudEvent, CompletableFuture<CloudEvent>>> functions;
    private final CloudEventGuard guard;
    private final JsonErrors errors;
    private final EventTracing tracing;

    public CloudEventRoutes(InferenceEventFunction inference, LabelEvents labels, JsonErrors errors,
                            EventTracing tracing) {
        this.functions = Map.of(EventTypes.INFERENCE_REQUESTED, inference::requested,
                EventTypes.INFERENCE_LABEL, labels::received);
        this.guard = new CloudEventGuard(functions.keySet());
        this.errors = errors;
        this.tracing = tracing;
    }

    void install(@Observes Router router) {
        router.post("/").order(AdmissionLayer.ROUTE_ORDER + 1).handler(this::receive);
        router.route("/").failureHandler(this::failure);
    }

    private void receive(RoutingContext context) {
        ReceivedEvent received;
        try {
            received = guard.admit(context.request().headers()::forEach, SizedBodyHandler.bytes(context));
        } catch (InvalidEventException e) {
            errors.send(context, 400, e.getMessage());
            return;
        }
        Span span = tracing.startProcess(received.event());
        CompletableFuture<CloudEvent> reply;
        try (Scope ignored = span.makeCurrent()) {
            reply = functions.get(received.event().getType()).apply(received.event());
        } catch (RuntimeException e) {
            span.recordException(e);
            span.end();
            errors.send(context, e);
            return;
        }
        reply.whenComplete((event, failure) -> {
            if (failure != null) {
                span.recordException(failure);
                span.setStatus(StatusCode.ERROR);
                span.end();
                errors.send(context, failure);
            } else if (event == null) {
                // taken, with nothing to reply: a 2xx without an event, so the broker publishes nothing
                context.response().setStatusCode(202).end();
            } else {
                span.end();
                HttpServerResponse response = context.response().setStatusCode(200);
                // the reply, which the broker publishes as a new event, continues the trace of the request
                CloudEventHttp.write(EventTracing.carrying(event, span), received.mode(), response::putHeader,
                        data -> response.end(data == null ? Buffer.buffer() : Buffer.buffer(data)));
            }
        });
    }

    private void failure(RoutingContext context) {
        Throwable failure = context.failure();
        int status = context.statusCode();
        if (failure != null) {
            errors.send(context, failure);
        } else if (status > 0 && status < 500) {
            errors.send(context, status, "CloudEvent: not accepted (HTTP " + status + ")");
        } else {
            errors.send(context, new IllegalStateException("CloudEvent delivery failed with HTTP " + status));
        }
    }
}
