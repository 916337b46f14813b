package dev.quiver.inference.events;

import dev.quiver.admission.AdmissionLayer;
import dev.quiver.inference.InferenceConfig;
import dev.quiver.inference.http.JsonErrors;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The contract of the CloudEvent endpoint ({@code POST /}) that Funqy does not keep by itself: an event without a
 * required attribute or with an unparseable body is a 400 naming what is wrong, an event type no function takes is a
 * 400 (Funqy answers 404, and a 500 for a structured event without a type), and every failure is a JSON body. Knative
 * retries 5xx and not 4xx, so only our own transient faults may be 5xx.
 */
@ApplicationScoped
public class CloudEventRoutes {

    private static final List<String> REQUIRED = List.of("id", "source", "specversion", "type");

    private final JsonErrors errors;
    private final long maxBodyBytes;

    public CloudEventRoutes(JsonErrors errors, InferenceConfig config) {
        this.errors = errors;
        this.maxBodyBytes = config.inference().maxRequestSize().asLongValue();
    }

    void install(@Observes Router router) {
        router.post("/").order(AdmissionLayer.ROUTE_ORDER + 1)
                .handler(BodyHandler.create(false).setBodyLimit(maxBodyBytes))
                .handler(this::requireAttributes);
        router.route("/").failureHandler(this::failure);
    }

    private void requireAttributes(RoutingContext context) {
        String contentType = context.request().getHeader("Content-Type");
        List<String> missing = new ArrayList<>();
        String specVersion;
        if (contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("application/cloudevents+json")) {
            JsonObject event;
            try {
                event = context.body().asJsonObject();
            } catch (DecodeException | ClassCastException e) {
                event = null;
            }
            if (event == null) {
                errors.send(context, 400, "structured CloudEvent: expected a JSON object with id, source, "
                        + "specversion, type and data");
                return;
            }
            for (String attribute : REQUIRED) {
                if (!(event.getValue(attribute) instanceof String value) || value.isBlank()) {
                    missing.add(attribute);
                }
            }
            specVersion = event.getValue("specversion") instanceof String value ? value : null;
        } else {
            boolean anyAttribute = context.request().headers().names().stream()
                    .anyMatch(name -> name.toLowerCase(Locale.ROOT).startsWith("ce-"));
            if (!anyAttribute) {
                errors.send(context, 400, "POST /: expected a CloudEvent, in binary mode (ce-id, ce-source, "
                        + "ce-specversion, ce-type headers) or structured mode (application/cloudevents+json)");
                return;
            }
            for (String attribute : REQUIRED) {
                String value = context.request().getHeader("ce-" + attribute);
                if (value == null || value.isBlank()) {
                    missing.add("ce-" + attribute);
                }
            }
            specVersion = context.request().getHeader("ce-specversion");
        }
        if (!missing.isEmpty()) {
            errors.send(context, 400, "CloudEvent: missing required attribute(s) " + String.join(", ", missing));
            return;
        }
        if (!"1.0".equals(specVersion)) {
            errors.send(context, 400, "CloudEvent: specversion '" + specVersion + "' is not supported; expected 1.0");
            return;
        }
        context.next();
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
