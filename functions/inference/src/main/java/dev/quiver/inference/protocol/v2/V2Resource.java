package dev.quiver.inference.protocol.v2;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.inference.InferenceException;
import dev.quiver.inference.repository.ModelEntry;
import dev.quiver.inference.repository.ModelRegistry;
import dev.quiver.inference.repository.VersionEntry;
import dev.quiver.inference.serving.InferenceService;
import io.quarkus.runtime.annotations.RegisterForReflection;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** The Open Inference Protocol v2 over HTTP/JSON, with the binary tensor data extension. */
@Path("/v2")
@Produces(MediaType.APPLICATION_JSON)
public class V2Resource {

    public static final String HEADER_LENGTH = "Inference-Header-Content-Length";
    private static final MediaType OCTET_STREAM = MediaType.APPLICATION_OCTET_STREAM_TYPE;

    private final InferenceService service;
    private final ModelRegistry registry;
    private final V2RequestReader reader;
    private final V2ResponseWriter writer;
    private final String serverVersion;

    public V2Resource(InferenceService service, ModelRegistry registry, ObjectMapper mapper,
                      @ConfigProperty(name = "quarkus.application.version", defaultValue = "unknown")
                      String serverVersion) {
        this.service = service;
        this.registry = registry;
        this.reader = new V2RequestReader(mapper);
        this.writer = new V2ResponseWriter(mapper.getFactory());
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

    @POST
    @Path("/models/{name}/infer")
    @Consumes(MediaType.WILDCARD)
    public CompletionStage<Response> infer(@PathParam("name") String name,
                                           @HeaderParam(HEADER_LENGTH) String headerLength, byte[] body) {
        return infer(name, Optional.empty(), headerLength, body);
    }

    @POST
    @Path("/models/{name}/versions/{version}/infer")
    @Consumes(MediaType.WILDCARD)
    public CompletionStage<Response> inferVersion(@PathParam("name") String name, @PathParam("version") String version,
                                                  @HeaderParam(HEADER_LENGTH) String headerLength, byte[] body) {
        return infer(name, Optional.of(version), headerLength, body);
    }

    private CompletionStage<Response> infer(String name, Optional<String> version, String headerLength, byte[] body) {
        int jsonLength = headerLength(headerLength);
        return service.infer("v2", name, version, model -> reader.read(body, jsonLength))
                .thenApply(served -> {
                    V2Response response = writer.write(served);
                    if (!response.hasBinaryData()) {
                        return Response.ok(response.body(), MediaType.APPLICATION_JSON_TYPE).build();
                    }
                    return Response.ok(response.body(), OCTET_STREAM)
                            .header(HEADER_LENGTH, response.headerLength()).build();
                });
    }

    private static int headerLength(String header) {
        if (header == null || header.isBlank()) {
            return -1;
        }
        try {
            int length = Integer.parseInt(header.trim());
            if (length >= 0) {
                return length;
            }
        } catch (NumberFormatException ignored) {
            // reported below with what was expected
        }
        throw InferenceException.invalidInput(HEADER_LENGTH + ": expected the JSON header's length in bytes, got \""
                + header + "\"");
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
