package dev.quiver.orchestration.schedule;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.admission.AdmissionLayer;
import dev.quiver.admission.http.AdminOnly;
import dev.quiver.admission.http.AdmissionHandler;
import dev.quiver.admission.http.SizedBodyHandler;
import dev.quiver.admission.identity.Caller;
import dev.quiver.orchestration.events.ErrorReplies;
import dev.quiver.orchestration.store.StoreException;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /pipelines/{name}/backfill} with {@code {from, to}} (ISO-8601 times with an offset), for admins only:
 * one run for every interval of the pipeline's schedule within the range, started as its {@code max-active-runs}
 * allows ({@link Schedules#backfill}). 202 with the intervals; asking again for a range asks for nothing twice.
 */
@ApplicationScoped
public class BackfillRoute {

    private static final String PATH = "/pipelines/:name/backfill";
    private static final long MAX_BODY_BYTES = 64 * 1024;

    /** The body. */
    record Range(String from, String to) {
    }

    private final Schedules schedules;
    private final ErrorReplies replies;
    private final ObjectMapper json;

    public BackfillRoute(Schedules schedules, ErrorReplies replies, ObjectMapper json) {
        this.schedules = schedules;
        this.replies = replies;
        this.json = json;
    }

    void install(@Observes @Priority(SizedBodyHandler.ENDPOINT_PRIORITY) Router router) {
        new SizedBodyHandler(MAX_BODY_BYTES, "64 KiB per backfill request").install(router, HttpMethod.POST, PATH);
        router.post(PATH).order(AdmissionLayer.ROUTE_ORDER + 1)
                .handler(new AdminOnly("backfill"))
                .blockingHandler(this::backfill, false);
    }

    private void backfill(RoutingContext context) {
        byte[] body = SizedBodyHandler.bytes(context);
        Range range;
        try {
            range = body.length == 0 ? null : json.readValue(new String(body, StandardCharsets.UTF_8), Range.class);
        } catch (JsonProcessingException e) {
            range = null;
        }
        if (range == null) {
            replies.send(context, 400, "request body: expected {\"from\": \"2026-12-01T00:00:00Z\", \"to\": ...}");
            return;
        }
        Instant from;
        Instant to;
        try {
            from = time("from", range.from());
            to = time("to", range.to());
        } catch (IllegalArgumentException e) {
            replies.send(context, 400, e.getMessage());
            return;
        }
        Caller caller = context.get(AdmissionHandler.CALLER);
        try {
            List<Schedules.Interval> intervals = schedules.backfill(context.pathParam("name"), from, to,
                    caller.label());
            context.response().setStatusCode(202).putHeader("Content-Type", "application/json")
                    .end(json.writeValueAsString(Map.of("intervals", intervals)));
        } catch (BackfillRefusedException e) {
            replies.send(context, e.status(), e.getMessage());
        } catch (StoreException e) {
            context.response().putHeader("Retry-After", "5");
            replies.send(context, 503, "the run store is unavailable; retry later");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("intervals cannot be written as JSON", e);
        }
    }

    private static Instant time(String field, String text) {
        if (text == null) {
            throw new IllegalArgumentException(field + ": required, an ISO-8601 time with an offset, such as "
                    + "2026-12-01T00:00:00Z");
        }
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(field + ": \"" + text + "\" is no ISO-8601 time with an offset, such "
                    + "as 2026-12-01T00:00:00Z");
        }
    }
}
