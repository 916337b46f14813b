package dev.quiver.inference.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.admission.AdmissionLayer;
import dev.quiver.events.CloudEventRequests;
import dev.quiver.inference.InferenceConfig;
import dev.quiver.inference.http.JsonErrors;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.util.Optional;

/**
 * The contract of the CloudEvent endpoint ({@code POST /}) that Funqy does not keep by itself: an event without a
 * required attribute or with an unparseable body is a 400 naming what is wrong, an event type no function takes is a
 * 400 (Funqy answers 404, and a 500 for a structured event without a type), and every failure is a JSON body. Knative
 * retries 5xx and not 4xx, so only our own transient faults may be 5xx.
 */
@ApplicationScoped
public class CloudEventRoutes {

    private final JsonErrors errors;
    private final ObjectMapper mapper;
    private final long maxBodyBytes;

    public CloudEventRoutes(JsonErrors errors, ObjectMapper mapper, InferenceConfig config) {
        this.errors = errors;
        this.mapper = mapper;
        this.maxBodyBytes = config.inference().maxRequestSize().asLongValue();
    }

    void install(@Observes Router router) {
        router.post("/").order(AdmissionLayer.ROUTE_ORDER + 1)
                .handler(BodyHandler.create(false).setBodyLimit(maxBodyBytes))
                .handler(this::requireAttributes);
        router.route("/").failureHandler(this::failure);
    }

    private void requireAttributes(RoutingContext context) {
        Optional<String> problem = CloudEventRequests.problem(context.request().getHeader("Content-Type"),
                context.request().headers().names(), context.request()::getHeader, () -> json(context));
        if (problem.isPresent()) {
            errors.send(context, 400, problem.get());
            return;
        }
        context.next();
    }

    private JsonNode json(RoutingContext context) {
        Buffer body = context.body().buffer();
        if (body == null) {
            return null;
        }
        try {
            return mapper.readTree(body.getBytes());
        } catch (IOException e) {
            return null;
        }
    }

    private void failure(RoutingContext context) {
        Throwable failure = context.failure();
        int status = context.statusCode();
        if (failure != null) {
            errors.send(context, failure);
        } else if (status == 404) {
            String type = context.request().getHeader("ce-type");
            errors.send(context, 400, "CloudEvent: no function takes events of type "
                    + (type != null ? "'" + type + "'" : "this type") + "; this function takes "
                    + "dev.quiver.inference.requested");
        } else if (status == 406) {
            errors.send(context, 400, "CloudEvent: data must be application/json");
        } else if (status > 0 && status < 500) {
            errors.send(context, status, "CloudEvent: not accepted (HTTP " + status + ")");
        } else {
            errors.send(context, new IllegalStateException("CloudEvent delivery failed with HTTP " + status));
        }
    }
}
