package dev.quiver.orchestration.events;

import dev.quiver.admission.AdmissionLayer;
import dev.quiver.admission.http.AdmissionHandler;
import dev.quiver.admission.http.AdmissionRejectedException;
import dev.quiver.admission.http.SizedBodyHandler;
import dev.quiver.admission.identity.Caller;
import dev.quiver.admission.identity.CallerKind;
import dev.quiver.events.EventTypes;
import dev.quiver.events.InvalidEventException;
import dev.quiver.events.http.CloudEventGuard;
import dev.quiver.events.http.ReceivedEvent;
import dev.quiver.events.tracing.EventTracing;
import dev.quiver.orchestration.runs.ControlRefusedException;
import dev.quiver.orchestration.runs.RunRefusedException;
import dev.quiver.orchestration.serving.ServingEvents;
import dev.quiver.orchestration.store.StoreException;
import dev.quiver.orchestration.store.StoreRefusedException;
import io.cloudevents.CloudEvent;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BiConsumer;
import org.jboss.logging.Logger;

/**
 * The CloudEvent endpoint ({@code POST /}), in binary and structured mode: the event types the function consumes and
 * the function that takes each, declared once below; the {@link CloudEventGuard} lets through only those, as valid
 * CloudEvents with JSON data. A request that is no valid CloudEvent, an event of a type no function takes, data that
 * is not JSON or breaks the type's schema or the store's {@link EventLimits}, an event about an unknown pipeline, run
 * or step, and data the store refuses as it would every time are 400s naming what is wrong (Knative does not retry
 * 4xx); a body over 1 MiB is a 413; a store that cannot be reached is a 503 with {@code Retry-After} (retried);
 * anything else a 500. A handled event is answered 204: what follows goes out through the outbox. Every failure has
 * a JSON body {@code {"error": ...}}. Each event is handled in a span that continues the trace it carries ({@link
 * EventTracing}), with its run and step in the log context ({@link EventLogContext}); the events the handling decides
 * keep that trace in the outbox.
 */
@ApplicationScoped
public class EventEndpoint {

    private static final Logger LOG = Logger.getLogger(EventEndpoint.class);
    private static final long MAX_EVENT_BYTES = 1 << 20;

    private final Map<String, BiConsumer<CloudEvent, Optional<String>>> functions;
    private final CloudEventGuard guard;
    private final ErrorReplies replies;
    private final EventTracing tracing;

    public EventEndpoint(RunEventFunctions runs, TickFunctions ticks, ServingEvents serving, ErrorReplies replies,
                         EventTracing tracing) {
        this.functions = Map.of(
                EventTypes.PIPELINE_RUN_REQUESTED, runs::runRequested,
                EventTypes.STEP_COMPLETED, (event, plan) -> runs.stepCompleted(event),
                EventTypes.STEP_FAILED, (event, plan) -> runs.stepFailed(event),
                EventTypes.STEP_HEARTBEAT, (event, plan) -> runs.stepHeartbeat(event),
                EventTypes.SERVING_DEMAND_REPORTED, (event, plan) -> serving.demandReported(event),
                EventTypes.RUN_CONTROL_REQUESTED, (event, plan) -> runs.controlRequested(event),
                EventTypes.SCHEDULER_TICK, (event, plan) -> ticks.tick(event),
                EventTypes.PING_SOURCE_TICK, (event, plan) -> ticks.tick(event));
        this.guard = new CloudEventGuard(functions.keySet());
        this.replies = replies;
        this.tracing = tracing;
    }

    void install(@Observes @Priority(SizedBodyHandler.ENDPOINT_PRIORITY) Router router) {
        new SizedBodyHandler(MAX_EVENT_BYTES, "1 MiB per event").install(router, HttpMethod.POST, "/");
        router.post("/").order(AdmissionLayer.ROUTE_ORDER + 1)
                .blockingHandler(this::receive, false);
        router.route("/").failureHandler(this::failure);
    }

    private void receive(RoutingContext context) {
        ReceivedEvent received;
        try {
            received = guard.admit(context.request().headers()::forEach, SizedBodyHandler.bytes(context));
        } catch (InvalidEventException e) {
            replies.send(context, 400, e.getMessage());
            return;
        }
        if (EventTypes.RUN_CONTROL_REQUESTED.equals(received.event().getType()) && !operator(context)) {
            Caller caller = context.get(AdmissionHandler.CALLER);
            replies.send(context, caller == null || !caller.authenticated() ? 401 : 403, "ce-type: "
                    + EventTypes.RUN_CONTROL_REQUESTED + " is taken from admins and from the broker only");
            return;
        }
        Span span = tracing.startProcess(received.event());
        try (Scope ignored = span.makeCurrent(); EventLogContext logged = EventLogContext.of(received.event())) {
            functions.get(received.event().getType()).accept(received.event(), callersPlan(context));
        } catch (RuntimeException e) {
            span.recordException(e);
            span.setStatus(StatusCode.ERROR);
            context.fail(e);
            return;
        } finally {
            span.end();
        }
        context.response().setStatusCode(204).end();
    }

    /**
     * The admission plan of the caller who sent the request, when the request is its own: a delivery of the broker
     * carries an event someone else sent, whose plan is not known here.
     */
    private static Optional<String> callersPlan(RoutingContext context) {
        Caller caller = context.get(AdmissionHandler.CALLER);
        return caller == null || caller.kind() == CallerKind.BROKER ? Optional.empty() : Optional.of(caller.plan());
    }

    /** An admin, or the broker (whose senders the cluster's operators control). */
    private static boolean operator(RoutingContext context) {
        Caller caller = context.get(AdmissionHandler.CALLER);
        return caller != null && (caller.admin() || caller.kind() == CallerKind.BROKER);
    }

    private void failure(RoutingContext context) {
        Throwable failure = context.failure();
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof ControlRefusedException refused) {
                replies.send(context, refused.status(), cause.getMessage());
                return;
            }
            if (cause instanceof InvalidEventException || cause instanceof RunRefusedException) {
                replies.send(context, 400, cause.getMessage());
                return;
            }
            if (cause instanceof StoreRefusedException) {
                LOG.infof("event %s: the run store refused it: %s", context.request().getHeader("ce-id"),
                        cause.getMessage());
                replies.send(context, 400, cause.getMessage());
                return;
            }
            if (cause instanceof AdmissionRejectedException rejected) {
                rejected.rejection().send(context);
                return;
            }
            if (cause instanceof StoreException) {
                LOG.warnf(cause, "event %s: the run store failed", context.request().getHeader("ce-id"));
                context.response().putHeader("Retry-After", "5");
                replies.send(context, 503, "the run store is unavailable; retry later");
                return;
            }
        }
        int status = context.statusCode();
        if (failure == null && status > 0 && status < 500) {
            replies.send(context, status, "CloudEvent: not accepted (HTTP " + status + ")");
        } else {
            String reference = UUID.randomUUID().toString();
            LOG.errorf(failure, "event %s failed (reference %s)", context.request().getHeader("ce-id"), reference);
            replies.send(context, 500, "internal error; quote reference " + reference);
        }
    }
}
