package dev.quiver.inference.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.admission.http.AdmissionRejectedException;
import dev.quiver.admission.http.RequestIds;
import dev.quiver.inference.InferenceException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

/** Answers a failed request on a Vert.x route (not a REST resource) with the same JSON error body as everywhere. */
@ApplicationScoped
public class JsonErrors {

    private static final Logger LOG = Logger.getLogger(JsonErrors.class);

    private final ObjectMapper mapper;

    public JsonErrors(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /**
     * Our own error or admission's refusal if {@code failure} is or wraps one; a 503 when memory ran out (the request
     * may pass once others are done); else a 500 that is logged with the request id.
     */
    public void send(RoutingContext context, Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof InferenceException e) {
                send(context, e);
                return;
            }
            if (cause instanceof AdmissionRejectedException e) {
                e.rejection().send(context);
                return;
            }
            if (cause instanceof OutOfMemoryError) {
                send(context, outOfMemory(context.request().path()));
                return;
            }
        }
        String requestId = MDC.get(RequestIds.MDC_KEY) instanceof String id ? id : "unknown";
        LOG.errorf(failure, "request %s to %s failed", requestId, context.request().path());
        send(context, 500, "internal error; quote request id " + requestId);
    }

    /** The answer to a request during which memory ran out; logged once per request, without a stack trace. */
    public static InferenceException outOfMemory(String path) {
        LOG.warnf("request %s to %s: out of memory; answered 503", RequestIds.current(), path);
        return InferenceException.unavailable("out of memory: this replica has too much in flight; retry in a "
                + "moment", Duration.ofSeconds(1));
    }

    public void send(RoutingContext context, InferenceException e) {
        if (e.kind() == InferenceException.Kind.INTERNAL) {
            LOG.errorf(e, "request %s failed", MDC.get(RequestIds.MDC_KEY));
        }
        e.retryAfter().ifPresent(after -> context.response().putHeader("Retry-After",
                Long.toString(ErrorBody.retryAfterSeconds(after))));
        send(context, e.kind().status(), e.getMessage());
    }

    public void send(RoutingContext context, int status, String message) {
        if (context.response().ended()) {
            return;
        }
        try {
            context.response().setStatusCode(status)
                    .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                    .end(mapper.writeValueAsString(new ErrorBody(message)));
        } catch (JsonProcessingException e) {
            context.response().setStatusCode(500).end();
        }
    }
}
