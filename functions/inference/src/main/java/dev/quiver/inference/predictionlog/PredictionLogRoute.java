package dev.quiver.inference.predictionlog;

import dev.quiver.admission.http.AdminOnly;
import dev.quiver.inference.InferenceException;
import dev.quiver.inference.http.JsonErrors;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.reactive.messaging.spi.Connector;

/**
 * {@code GET /prediction-log?limit=N}: the latest prediction log events kept by the in-memory sink, as a CloudEvents
 * JSON batch, for admins only (the events hold callers' inputs). Empty when the log goes to Kafka.
 */
@ApplicationScoped
public class PredictionLogRoute {

    public static final String PATH = "/prediction-log";
    private static final int MAX_LIMIT = 10_000;

    private final RecentPredictions recent;
    private final JsonErrors errors;

    public PredictionLogRoute(@Connector(RecentPredictions.CONNECTOR) RecentPredictions recent, JsonErrors errors) {
        this.recent = recent;
        this.errors = errors;
    }

    void install(@Observes Router router) {
        router.get(PATH).handler(new AdminOnly("prediction log")).handler(this::latest);
    }

    private void latest(RoutingContext context) {
        String given = context.request().getParam("limit", "100");
        int limit;
        try {
            limit = Integer.parseInt(given);
        } catch (NumberFormatException e) {
            limit = -1;
        }
        if (limit < 1 || limit > MAX_LIMIT) {
            errors.send(context, InferenceException.invalidInput("limit: expected a whole number from 1 to "
                    + MAX_LIMIT + ", got '" + given + "'"));
            return;
        }
        context.response().putHeader("Content-Type", "application/cloudevents-batch+json")
                .end(recent.latest(limit).encode());
    }
}
