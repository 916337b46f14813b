package dev.quiver.orchestration.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.admission.AdmissionLayer;
import dev.quiver.admission.http.AdminOnly;
import dev.quiver.admission.http.AdmissionHandler;
import dev.quiver.admission.http.SizedBodyHandler;
import dev.quiver.admission.identity.Caller;
import dev.quiver.orchestration.events.ErrorReplies;
import dev.quiver.orchestration.store.StoreException;
import dev.quiver.orchestration.store.StoreRefusedException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;

/**
 * {@code PUT /pipelines/{name}} with a pipeline file's YAML as the body, for admins only: registers the version in the
 * run database that every replica reads, and answers 201 with the version (200 when that version was registered
 * before with the same text). An invalid file, one of another pipeline or naming an executor without a consumer is a
 * 400 with every problem; a version registered with other content a 409.
 */
@ApplicationScoped
public class PipelinePutRoute {

    private static final String PATH = "/pipelines/:name";
    private static final long MAX_DEFINITION_BYTES = 1 << 20;

    private final PipelineRegistry registry;
    private final ErrorReplies replies;
    private final ObjectMapper json;

    public PipelinePutRoute(PipelineRegistry registry, ErrorReplies replies, ObjectMapper json) {
        this.registry = registry;
        this.replies = replies;
        this.json = json;
    }

    void install(@Observes @Priority(SizedBodyHandler.ENDPOINT_PRIORITY) Router router) {
        new SizedBodyHandler(MAX_DEFINITION_BYTES, "1 MiB per pipeline file").install(router, HttpMethod.PUT, PATH);
        router.put(PATH).order(AdmissionLayer.ROUTE_ORDER + 1)
                .handler(new AdminOnly("pipeline registration"))
                .blockingHandler(this::put, false);
    }

    private void put(RoutingContext context) {
        String yaml;
        try {
            yaml = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(SizedBodyHandler.bytes(context)))
                    .toString();
        } catch (CharacterCodingException e) {
            replies.send(context, 400, "request body: expected a pipeline file in UTF-8");
            return;
        }
        Caller caller = context.get(AdmissionHandler.CALLER);
        try {
            PipelineRegistry.Registration registration = registry.put(context.pathParam("name"), yaml,
                    caller.label());
            context.response().setStatusCode(registration.created() ? 201 : 200)
                    .putHeader("Content-Type", "application/json")
                    .putHeader("Location", "/pipelines/" + registration.version().pipeline() + "/versions/"
                            + registration.version().version())
                    .end(json.writeValueAsString(registration.version()));
        } catch (PipelineRefusedException | StoreRefusedException e) {
            replies.send(context, e instanceof PipelineRefusedException refused ? refused.status() : 400,
                    e.getMessage());
        } catch (StoreException e) {
            context.response().putHeader("Retry-After", "5");
            replies.send(context, 503, "the run store is unavailable; retry later");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a registered version cannot be written as JSON", e);
        }
    }
}
