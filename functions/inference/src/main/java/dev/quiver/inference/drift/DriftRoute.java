package dev.quiver.inference.drift;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.inference.InferenceException;
import dev.quiver.inference.goldenset.GoldenSetSchedule;
import dev.quiver.inference.http.JsonErrors;
import dev.quiver.inference.repository.ModelEntry;
import dev.quiver.inference.repository.ModelRegistry;
import dev.quiver.inference.repository.VersionEntry;
import dev.quiver.inference.runtime.LoadedModel;
import io.quarkus.vertx.web.Route;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * How a loaded version compares with its training and its golden set:
 * {@code GET /v2/models/{name}/versions/{version}/drift} ({@link DriftReport}) and
 * {@code GET /v2/models/{name}/versions/{version}/golden} ({@code GoldenSetReport}). An unknown model or version is a
 * 404, a version not loaded (loading, failed) a 503 with {@code Retry-After}.
 */
@ApplicationScoped
public class DriftRoute {

    private final ModelRegistry registry;
    private final DriftMonitor drift;
    private final GoldenSetSchedule golden;
    private final ObjectMapper mapper;
    private final JsonErrors errors;

    public DriftRoute(ModelRegistry registry, DriftMonitor drift, GoldenSetSchedule golden, ObjectMapper mapper,
                      JsonErrors errors) {
        this.registry = registry;
        this.drift = drift;
        this.golden = golden;
        this.mapper = mapper;
        this.errors = errors;
    }

    @Route(path = "/v2/models/:name/versions/:version/drift", methods = Route.HttpMethod.GET)
    void drift(RoutingContext context) {
        try {
            LoadedModel model = loaded(context);
            send(context, drift.report(model));
        } catch (RuntimeException | JsonProcessingException e) {
            errors.send(context, e);
        }
    }

    @Route(path = "/v2/models/:name/versions/:version/golden", methods = Route.HttpMethod.GET)
    void golden(RoutingContext context) {
        try {
            send(context, golden.report(loaded(context)));
        } catch (RuntimeException | JsonProcessingException e) {
            errors.send(context, e);
        }
    }

    private LoadedModel loaded(RoutingContext context) {
        ModelEntry model = registry.model(context.pathParam("name"));
        VersionEntry entry = registry.version(model, context.pathParam("version"));
        if (entry.model() == null) {
            throw InferenceException.unavailable("model " + model.name() + " version " + entry.version() + " is "
                    + entry.state().name().toLowerCase() + (entry.reason() == null ? "" : ": " + entry.reason())
                    + "; only a loaded version is compared with its baseline and golden set", registry.retryAfter());
        }
        return entry.model();
    }

    private void send(RoutingContext context, Object report) throws JsonProcessingException {
        context.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .end(Buffer.buffer(mapper.writeValueAsBytes(report)));
    }
}
