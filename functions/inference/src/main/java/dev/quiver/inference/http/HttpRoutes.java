package dev.quiver.inference.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.inference.InferenceConfig;
import dev.quiver.inference.InferenceException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * Router-level rules that apply before any endpoint runs: the request size limit, answered with a JSON 413 before the
 * body is read, and JSON errors for the Funqy functions, whose binding would otherwise answer failures with an empty
 * 400 or a generic 500.
 */
@ApplicationScoped
public class HttpRoutes {

    private static final Logger LOG = Logger.getLogger(HttpRoutes.class);

    private final long maxRequestBytes;
    private final ObjectMapper mapper;

    public HttpRoutes(InferenceConfig config, ObjectMapper mapper) {
        this.maxRequestBytes = config.inference().maxRequestSize().asLongValue();
        this.mapper = mapper;
    }

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(this::limitSize);
        for (String function : new String[] {"/predict", "/ping"}) {
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
                respond(context, InferenceException.payloadTooLarge("request body: " + bytes + " bytes is more than "
                        + "the " + maxRequestBytes + " allowed (quiver.inference.max-request-size)"));
                return;
            }
        }
        context.next();
    }

    private void functionFailure(RoutingContext context) {
        Throwable failure = context.failure();
        InferenceException known = inferenceFailure(failure);
        if (known != null) {
            respond(context, known);
        } else if (failure == null && context.statusCode() == 400) {
            respond(context, InferenceException.invalidInput("request body: expected a JSON object "
                    + "{\"model\": name, \"version\": optional, \"instances\": [...]}"));
        } else if (failure == null && context.statusCode() > 0 && context.statusCode() < 500) {
            respond(context, context.statusCode(), "request to " + context.request().path() + " failed");
        } else {
            LOG.error("function " + context.request().path() + " failed", failure);
            respond(context, 500, "internal error in " + context.request().path());
        }
    }

    /** Funqy wraps what a function throws (in ApplicationException, CompletionException); find ours inside. */
    private static InferenceException inferenceFailure(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof InferenceException e) {
                return e;
            }
        }
        return null;
    }

    private void respond(RoutingContext context, InferenceException e) {
        e.retryAfter().ifPresent(after -> context.response().putHeader("Retry-After",
                Long.toString(ErrorBody.retryAfterSeconds(after))));
        respond(context, e.kind().status(), e.getMessage());
    }

    private void respond(RoutingContext context, int status, String message) {
        try {
            context.response().setStatusCode(status)
                    .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                    .end(mapper.writeValueAsString(new ErrorBody(message)));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            context.response().setStatusCode(500).end();
        }
    }
}
