package dev.quiver.inference.protocol.v2;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.quiver.inference.repository.ModelEntry;
import dev.quiver.inference.repository.ModelRegistry;
import dev.quiver.inference.repository.VersionEntry;
import dev.quiver.inference.shadow.ShadowReport;
import dev.quiver.inference.shadow.ShadowScorer;
import io.quarkus.runtime.annotations.RegisterForReflection;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The Open Inference Protocol v2 over HTTP/JSON: server, health and model metadata. Inference itself is served by
 * {@link V2InferenceRoute}.
 */
@Path("/v2")
@Produces(MediaType.APPLICATION_JSON)
public class V2Resource {

    private final ModelRegistry registry;
    private final ShadowScorer shadows;
    private final String serverVersion;

    public V2Resource(ModelRegistry registry, ShadowScorer shadows,
                      @ConfigProperty(name = "quarkus.application.version", defaultValue = "unknown")
                      String serverVersion) {
        this.registry = registry;
        this.shadows = shadows;
        this.serverVersion = serverVersion;
    }

    @GET
    public ServerMetadata server() {
        return new ServerMetadata("quiver", serverVersion, List.of("binary_tensor_data"));
    }

    @GET
    @Path("/health/live")
    public Liveness live() {
        return new Liveness(true);
    }

    @GET
    @Path("/health/ready")
    public Response ready() {
        ModelRegistry.Readiness readiness = registry.readiness();
        if (readiness.ready()) {
            return Response.ok(new ServerReadiness(true, null)).build();
        }
        return notReady(new ServerReadiness(false, readiness.problems()));
    }

    @GET
    @Path("/models/{name}")
    public Response model(@PathParam("name") String name) {
        ModelEntry model = registry.model(name);
        return model.latestReady()
                .map(version -> Response.ok(ModelMetadata.of(model, version)).build())
                .orElseGet(() -> notReady(new Unavailable(model.unavailableReason(), ModelMetadata.status(model))));
    }

    @GET
    @Path("/models/{name}/versions/{version}")
    public Response modelVersion(@PathParam("name") String name, @PathParam("version") String version) {
        ModelEntry model = registry.model(name);
        VersionEntry entry = registry.version(model, version);
        if (!entry.ready()) {
            return notReady(new Unavailable(versionReason(model, entry), ModelMetadata.status(model)));
        }
        return Response.ok(ModelMetadata.of(model, entry)).build();
    }

    /** What shadow scoring of the model has shown: agreement or error statistics, latencies, copies dropped. */
    @GET
    @Path("/models/{name}/shadow")
    public ShadowReport shadow(@PathParam("name") String name) {
        return shadows.report(name);
    }

    @GET
    @Path("/models/{name}/ready")
    public Response modelReady(@PathParam("name") String name) {
        ModelEntry model = registry.model(name);
        return model.ready() ? Response.ok(new ModelReadiness(name, null, true, null)).build()
                : notReady(new ModelReadiness(name, null, false, model.unavailableReason()));
    }

    @GET
    @Path("/models/{name}/versions/{version}/ready")
    public Response modelVersionReady(@PathParam("name") String name, @PathParam("version") String version) {
        ModelEntry model = registry.model(name);
        VersionEntry entry = registry.version(model, version);
        return entry.ready() ? Response.ok(new ModelReadiness(name, version, true, null)).build()
                : notReady(new ModelReadiness(name, version, false, versionReason(model, entry)));
    }

    private static String versionReason(ModelEntry model, VersionEntry entry) {
        return "model " + model.name() + " version " + entry.version() + " is " + entry.state().name().toLowerCase()
                + (entry.reason() == null ? "" : ": " + entry.reason());
    }

    private Response notReady(Object body) {
        return Response.status(503).entity(body)
                .header("Retry-After", Math.max(1, registry.retryAfter().toSeconds())).build();
    }

    @RegisterForReflection
    public record ServerMetadata(String name, String version, List<String> extensions) {
    }

    @RegisterForReflection
    public record Liveness(boolean live) {
    }

    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ServerReadiness(boolean ready, List<String> problems) {
    }

    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ModelReadiness(String name, String version, boolean ready, String error) {
    }

    @RegisterForReflection
    public record Unavailable(String error, List<ModelMetadata.VersionStatus> status) {
    }
}
