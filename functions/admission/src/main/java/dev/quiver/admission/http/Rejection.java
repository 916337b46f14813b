package dev.quiver.admission.http;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A refused request as it is answered: the status, the headers ({@code Retry-After}, the rate-limit fields,
 * {@code WWW-Authenticate}) and an RFC 9457 problem body that says which limit was hit and when to come back. The
 * body also carries {@code error}, the field every Quiver error body has.
 */
public record Rejection(int status, String title, String detail, Map<String, String> headers,
                        Map<String, Object> extensions) {

    public static final String PROBLEM_JSON = "application/problem+json";

    public Rejection {
        headers = Map.copyOf(headers);
        extensions = Map.copyOf(extensions);
    }

    public String body() {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("type", "about:blank");
        fields.put("title", title);
        fields.put("status", status);
        fields.put("detail", detail);
        fields.put("error", detail);
        fields.putAll(extensions);
        return new JsonObject(fields).encode();
    }

    public void send(RoutingContext context) {
        if (context.response().ended()) {
            return;
        }
        headers.forEach(context.response()::putHeader);
        context.response().setStatusCode(status).putHeader("Content-Type", PROBLEM_JSON).end(body());
    }
}
