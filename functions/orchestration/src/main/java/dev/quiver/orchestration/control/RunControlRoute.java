package dev.quiver.orchestration.control;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.admission.AdmissionLayer;
import dev.quiver.admission.http.AdminOnly;
import dev.quiver.admission.http.AdmissionHandler;
import dev.quiver.admission.http.SizedBodyHandler;
import dev.quiver.admission.identity.Caller;
import dev.quiver.events.pipeline.RunControlRequested;
import dev.quiver.orchestration.events.ErrorReplies;
import dev.quiver.orchestration.runs.ControlRefusedException;
import dev.quiver.orchestration.runs.RunCoordinator;
import dev.quiver.orchestration.store.StoreException;
import dev.quiver.orchestration.store.StoreRefusedException;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.charset.StandardCharsets;

/**
 * {@code POST /runs/{id}/control} with {@code {action, instance?, reason?}}, for admins only: an operator's order about
 * a run ({@link RunCoordinator#control}), recorded with the admin's key or token label. 202 once it is carried out;
 * 400 for a malformed order, 404 for an unknown run, 409 for an order the run's state does not allow.
 */
@ApplicationScoped
public class RunControlRoute {

    private static final String PATH = "/runs/:id/control";
    private static final long MAX_BODY_BYTES = 64 * 1024;

    /** The body: {@link RunControlRequested} without the run, which the path names. */
    record Order(String action, String instance, String reason) {
    }

    private final RunCoordinator coordinator;
    private final ErrorReplies replies;
    private final ObjectMapper json;

    public RunControlRoute(RunCoordinator coordinator, ErrorReplies replies, ObjectMapper json) {
        this.coordinator = coordinator;
        this.replies = replies;
        this.json = json;
    }

    void install(@Observes @Priority(SizedBodyHandler.ENDPOINT_PRIORITY) Router router) {
        new SizedBodyHandler(MAX_BODY_BYTES, "64 KiB per control order").install(router, HttpMethod.POST, PATH);
        router.post(PATH).order(AdmissionLayer.ROUTE_ORDER + 1)
                .handler(new AdminOnly("run control"))
                .blockingHandler(this::control, false);
    }

    private void control(RoutingContext context) {
        byte[] body = SizedBodyHandler.bytes(context);
        Order order;
        try {
            order = body.length == 0 ? null : json.readValue(new String(body, StandardCharsets.UTF_8), Order.class);
        } catch (JsonProcessingException e) {
            replies.send(context, 400, "request body: expected {\"action\": \"cancel|kill|restart|rerun\", "
                    + "\"instance\"?, \"reason\"?}: " + e.getOriginalMessage());
            return;
        }
        if (order == null) {
            replies.send(context, 400, "request body: expected {\"action\": \"cancel|kill|restart|rerun\", "
                    + "\"instance\"?, \"reason\"?}");
            return;
        }
        Caller caller = context.get(AdmissionHandler.CALLER);
        try {
            coordinator.control(null, null, new RunControlRequested(context.pathParam("id"), order.action(),
                    order.instance(), caller.label(), order.reason()), caller.label());
            context.response().setStatusCode(202).end();
        } catch (ControlRefusedException e) {
            replies.send(context, e.status(), e.getMessage());
        } catch (StoreRefusedException e) {
            replies.send(context, 400, e.getMessage());
        } catch (StoreException e) {
            context.response().putHeader("Retry-After", "5");
            replies.send(context, 503, "the run store is unavailable; retry later");
        }
    }
}
