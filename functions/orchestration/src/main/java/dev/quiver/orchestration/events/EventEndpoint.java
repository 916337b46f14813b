package dev.quiver.orchestration.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.admission.AdmissionLayer;
import dev.quiver.admission.http.AdmissionRejectedException;
import dev.quiver.events.CloudEventRequests;
import dev.quiver.events.EventTypes;
import dev.quiver.events.InvalidEventException;
import dev.quiver.orchestration.runs.RunRefusedException;
import dev.quiver.orchestration.runs.StoreException;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.util.Optional;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * The contract of the CloudEvent endpoint ({@code POST /}) around Funqy's binding: a request that is no valid
 * CloudEvent, an event of a type no function takes, invalid data and an event about an unknown pipeline, run or step
 * are 400s naming what is wrong (Knative does not retry 4xx); a store that cannot be reached is a 503 with
 * {@code Retry-After} (retried); anything else a 500. Every failure has a JSON body {@code {"error": ...}}.
 */
@ApplicationScoped
public class EventEndpoint {

    private static final Logger LOG = Logger.getLogger(EventEndpoint.class);
    private static final long MAX_EVENT_BYTES = 1 << 20;
    private static final String TAKES = String.join(", ", EventTypes.PIPELINE_RUN_REQUESTED,
            EventTypes.STEP_COMPLETED, EventTypes.STEP_FAILED, EventTypes.STEP_HEARTBEAT, EventTypes.SCHEDULER_TICK,
            TickFunctions.PING_SOURCE);

    private final ObjectMapper json;
    private final ErrorReplies replies;

    public EventEndpoint(ObjectMapper json, ErrorReplies replies) {
        this.json = json;
        this.replies = replies;
    }

    void install(@Observes Router router) {
        router.post("/").order(AdmissionLayer.ROUTE_ORDER + 1)
                .handler(BodyHandler.create(false).setBodyLimit(MAX_EVENT_BYTES))
                .handler(this::requireCloudEvent);
        router.route("/").failureHandler(this::failure);
    }

    private void requireCloudEvent(RoutingContext context) {
        Optional<String> problem = CloudEventRequests.problem(context.request().getHeader("Content-Type"),
                context.request().headers().names(), context.request()::getHeader, () -> body(context));
        if (problem.isPresent()) {
            replies.send(context, 400, problem.get());
            return;
        }
        context.next();
    }

    private JsonNode body(RoutingContext context) {
        Buffer body = context.body().buffer();
        if (body == null) {
            return null;
        }
        try {
            return json.readTree(body.getBytes());
        } catch (IOException e) {
            return null;
        }
    }

    private void failure(RoutingContext context) {
        Throwable failure = context.failure();
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof InvalidEventException || cause instanceof RunRefusedException) {
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
        if (failure == null && status == 404) {
            String type = context.request().getHeader("ce-type");
            replies.send(context, 400, "CloudEvent: no function takes events of type "
                    + (type != null ? "'" + type + "'" : "this type") + "; this function takes " + TAKES);
        } else if (failure == null && status == 406) {
            replies.send(context, 400, "CloudEvent: data must be application/json");
        } else if (failure == null && status > 0 && status < 500) {
            replies.send(context, status, "CloudEvent: not accepted (HTTP " + status + ")");
        } else {
            String reference = UUID.randomUUID().toString();
            LOG.errorf(failure, "event %s failed (reference %s)", context.request().getHeader("ce-id"), reference);
            replies.send(context, 500, "internal error; quote reference " + reference);
        }
    }
}
