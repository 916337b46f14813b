package dev.quiver.inference.http;

import dev.quiver.inference.InferenceException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** The body of every error response: {@code {"error": "..."}}. */
public record ErrorBody(String error) {

    public static Response response(InferenceException e) {
        Response.ResponseBuilder response = Response.status(e.kind().status())
                .type(MediaType.APPLICATION_JSON_TYPE)
                .entity(new ErrorBody(e.getMessage()));
        e.retryAfter().ifPresent(after -> response.header("Retry-After", retryAfterSeconds(after)));
        return response.build();
    }

    /** Whole seconds, rounded up and never 0, as clients read {@code Retry-After}. */
    public static long retryAfterSeconds(java.time.Duration after) {
        return Math.max(1, (after.toMillis() + 999) / 1000);
    }
}
