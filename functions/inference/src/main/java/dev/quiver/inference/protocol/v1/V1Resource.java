package dev.quiver.inference.protocol.v1;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.inference.InferenceException;
import dev.quiver.inference.deadline.RequestTimeouts;
import dev.quiver.inference.fallback.FallbackNote;
import dev.quiver.inference.repository.ModelEntry;
import dev.quiver.inference.repository.ModelRegistry;
import dev.quiver.inference.routing.ModelVersionHeader;
import dev.quiver.inference.routing.RequestKeys;
import dev.quiver.inference.runtime.LoadedModel;
import dev.quiver.inference.serving.InferenceService;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * KServe V1 (TensorFlow Serving style) protocol: {@code GET /v1/models}, {@code GET /v1/models/{name}} and
 * {@code POST /v1/models/{name}[/versions/{version}]:predict} with {@code {"instances": [...]}} answered by {@code {"predictions": [...]}}.
 */
@Path("/v1/models")
@Produces(MediaType.APPLICATION_JSON)
public class V1Resource {

    private static final String PREDICT = ":predict";

    private final InferenceService service;
    private final ModelRegistry registry;
    private final JsonFactory json;

    public V1Resource(InferenceService service, ModelRegistry registry, ObjectMapper mapper) {
        this.service = service;
        this.registry = registry;
        this.json = mapper.getFactory();
    }

    @GET
    public ModelList models() {
        return new ModelList(List.copyOf(registry.models().keySet()));
    }

    @GET
    @Path("/{name}")
    public Response model(@PathParam("name") String name) {
        ModelEntry model = registry.model(name);
        return Response.status(model.ready() ? 200 : 503).entity(new ModelReadiness(name, model.ready())).build();
    }

    @POST
    @Path("/{nameAndVerb}")
    @Consumes(MediaType.WILDCARD)
    public CompletionStage<Response> predict(@PathParam("nameAndVerb") String nameAndVerb,
                                             @HeaderParam(RequestTimeouts.HEADER) String timeout,
                                             @Context HttpHeaders headers, byte[] body) {
        if (!nameAndVerb.endsWith(PREDICT)) {
            throw InferenceException.notFound("POST /v1/models/" + nameAndVerb + ": the V1 protocol serves "
                    + "/v1/models/{name}:predict");
        }
        String name = nameAndVerb.substring(0, nameAndVerb.length() - PREDICT.length());
        return predict(name, Optional.empty(), timeout, headers, body);
    }

    /** {@code POST /v1/models/{name}/versions/{version}:predict}, as TensorFlow Serving names versions; an alias too. */
    @POST
    @Path("/{name}/versions/{versionAndVerb}")
    @Consumes(MediaType.WILDCARD)
    public CompletionStage<Response> predictVersion(@PathParam("name") String name,
                                                    @PathParam("versionAndVerb") String versionAndVerb,
                                                    @HeaderParam(RequestTimeouts.HEADER) String timeout,
                                                    @Context HttpHeaders headers, byte[] body) {
        if (!versionAndVerb.endsWith(PREDICT)) {
            throw InferenceException.notFound("POST /v1/models/" + name + "/versions/" + versionAndVerb + ": the V1 "
                    + "protocol serves /v1/models/{name}/versions/{version}:predict");
        }
        String version = versionAndVerb.substring(0, versionAndVerb.length() - PREDICT.length());
        return predict(name, Optional.of(version), timeout, headers, body);
    }

    private CompletionStage<Response> predict(String name, Optional<String> version, String timeout,
                                              HttpHeaders headers, byte[] body) {
        return service.infer("v1", name, version, RequestTimeouts.fromHeader(timeout),
                        RequestKeys.http(headers::getHeaderString), model -> read(body, name, model))
                .thenApply(served -> {
                    ByteArrayBuilder out = new ByteArrayBuilder(256);
                    try (JsonGenerator generator = json.createGenerator(out)) {
                        generator.writeStartObject();
                        generator.writeFieldName("predictions");
                        InstancesCodec.writePredictions(generator, served.outputs());
                        generator.writeEndObject();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    Response.ResponseBuilder response = Response.ok(out.toByteArray(), MediaType.APPLICATION_JSON_TYPE)
                            .header(ModelVersionHeader.NAME, Long.toString(served.version()));
                    if (served.fallback() != null) {
                        response.header(FallbackNote.HEADER, served.fallback().header());
                    }
                    return response.build();
                });
    }

    private InstancesRequest read(byte[] body, String name, LoadedModel model) {
        try (JsonParser parser = json.createParser(body)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw InferenceException.invalidInput("request body: expected {\"instances\": [...]}");
            }
            InstancesRequest request = null;
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                parser.nextToken();
                if (!field.equals("instances")) {
                    throw InferenceException.invalidInput(InferenceException.shown(field) + ": unknown field; a "
                            + "predict request has instances");
                }
                if (request != null) {
                    throw InferenceException.invalidInput("instances: given twice; give each field once");
                }
                request = InstancesCodec.read(parser, name, model.signature(), "instances",
                        body.length - parser.currentTokenLocation().getByteOffset());
            }
            if (parser.nextToken() != null) {
                throw InferenceException.invalidInput("request body: content after the JSON object");
            }
            if (request == null) {
                throw InferenceException.invalidInput("instances: is required");
            }
            return request;
        } catch (JsonParseException e) {
            throw InferenceException.malformedJson(e);
        } catch (IOException e) {
            throw InferenceException.invalidInput("request body: unreadable JSON: " + e.getMessage());
        }
    }

    public record ModelList(List<String> models) {
    }

    public record ModelReadiness(String name, boolean ready) {
    }
}
