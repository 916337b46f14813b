package dev.quiver.inference.http;

import dev.quiver.admission.AdmissionLayer;
import dev.quiver.inference.InferenceConfig;
import dev.quiver.inference.InferenceException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Router-level rules that apply before any endpoint runs: the request size limit, answered with a JSON 413 before the
 * body is read; a request id on every request; a 400 for a function call without a body; and JSON errors for the
 * Funqy functions, whose binding would otherwise answer failures with an empty 400 or a generic 500.
 */
@ApplicationScoped
public class HttpRoutes {

    private final long maxRequestBytes;
    private final JsonErrors errors;

    public HttpRoutes(InferenceConfig config, JsonErrors errors) {
        this.maxRequestBytes = config.inference().maxRequestSize().asLongValue();
        this.errors = errors;
    }

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(this::limitSize);
        router.route().order(Integer.MIN_VALUE + 1).handler(RequestIds::assign);
        for (String function : new String[] {"/predict", "/ping"}) {
            router.post(function).order(AdmissionLayer.ROUTE_ORDER + 1).handler(this::requireBody);
            router.route(function).failureHandler(this::functionFailure);
        }
    }

    private void limitSize(RoutingContext context) {
        String length = context.request().getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null) {
            long bytes;
            try {
                bytes = Long.parseLong(length.trim());
            } catch (NumberFormatException e) {
                bytes = -1;
            }
            if (bytes > maxRequestBytes) {
                context.response().putHeader(HttpHeaders.CONNECTION, "close");
                errors.send(context, InferenceException.payloadTooLarge("request body: " + bytes + " bytes is more "
                        + "than the " + maxRequestBytes + " allowed (quiver.inference.max-request-size)"));
                return;
            }
        }
        context.next();
    }

    /**
     * A function takes a JSON object; without a body Funqy would call it with no input at all. Runs after the body has
     * been read, so an empty chunked body is refused as {@code Content-Length: 0} is.
     */
    private void requireBody(RoutingContext context) {
        if (context.body().buffer() == null || context.body().length() == 0) {
            errors.send(context, InferenceException.invalidInput("request body: expected a JSON object, got an "
                    + "empty body"));
            return;
        }
        context.next();
    }

    private void functionFailure(RoutingContext context) {
        Throwable failure = context.failure();
        if (failure == null && context.statusCode() == 400) {
            errors.send(context, InferenceException.invalidInput("request body: expected a JSON object "
                    + "{\"model\": name, \"version\": optional, \"instances\": [...]}"));
        } else if (failure == null && context.statusCode() == 406) {
            errors.send(context, InferenceException.unsupportedMediaType("Content-Type: expected application/json"));
        } else if (failure == null && context.statusCode() > 0 && context.statusCode() < 500) {
            errors.send(context, context.statusCode(), "request to " + context.request().path() + " failed");
        } else {
            errors.send(context, failure);
        }
    }
}
