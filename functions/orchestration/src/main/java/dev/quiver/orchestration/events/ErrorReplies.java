package dev.quiver.orchestration.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;

/** The JSON error answer of the function's router routes, the same {@code {"error": ...}} its REST resources give. */
@ApplicationScoped
public class ErrorReplies {

    private final ObjectMapper json;

    public ErrorReplies(ObjectMapper json) {
        this.json = json;
    }

    /** Answers {@code status} with the message, unless an answer was already sent. */
    public void send(RoutingContext context, int status, String message) {
        if (context.response().ended()) {
            return;
        }
        try {
            context.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                    .end(json.writeValueAsString(Map.of("error", message)));
        } catch (JsonProcessingException e) {
            context.response().setStatusCode(status).end();
        }
    }
}
