package dev.quiver.inference.protocol.v2;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.admission.http.SizedBodyHandler;
import dev.quiver.inference.InferenceException;
import dev.quiver.inference.deadline.RequestTimeouts;
import dev.quiver.inference.fallback.FallbackNote;
import dev.quiver.inference.http.JsonErrors;
import dev.quiver.inference.routing.ModelVersionHeader;
import dev.quiver.inference.routing.RequestKeys;
import dev.quiver.inference.routing.RoutingKeys;
import dev.quiver.inference.serving.InferenceService;
import io.quarkus.vertx.web.Route;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * {@code POST /v2/models/{name}[/versions/{version}]/infer}, the hot path of the Open Inference Protocol, as Vert.x
 * routes: the body is received into one array of its size ({@link SizedBodyHandler}) and read in place, and the
 * answer is written straight to the response, without the content negotiation and entity-writer lookups a REST
 * resource pays on every request.
 */
@ApplicationScoped
public class V2InferenceRoute {

    public static final String HEADER_LENGTH = "Inference-Header-Content-Length";
    private static final String INFER = "/v2/models/:name/infer";
    private static final String INFER_VERSION = "/v2/models/:name/versions/:version/infer";

    private final InferenceService service;
    private final V2RequestReader reader;
    private final V2ResponseWriter writer;
    private final JsonErrors errors;

    public V2InferenceRoute(InferenceService service, ObjectMapper mapper, JsonErrors errors) {
        this.service = service;
        this.reader = new V2RequestReader(mapper);
        this.writer = new V2ResponseWriter(mapper.getFactory());
        this.errors = errors;
    }

    @Route(path = INFER, methods = Route.HttpMethod.POST)
    void infer(RoutingContext context) {
        infer(context, Optional.empty());
    }

    @Route(path = INFER_VERSION, methods = Route.HttpMethod.POST)
    void inferVersion(RoutingContext context) {
        infer(context, Optional.of(context.pathParam("version")));
    }

    private void infer(RoutingContext context, Optional<String> version) {
        try {
            int jsonLength = headerLength(context.request().getHeader(HEADER_LENGTH));
            byte[] body = SizedBodyHandler.bytes(context);
            Optional<Duration> timeout = RequestTimeouts.fromHeader(context.request().getHeader(
                    RequestTimeouts.HEADER));
            ParsedOnce parsed = new ParsedOnce(() -> reader.read(body, body.length, jsonLength));
            RoutingKeys keys = RequestKeys.http(context.request()::getHeader,
                    name -> parsed.get().parameters().get(name));
            service.infer("v2", context.pathParam("name"), version, timeout, keys, model -> parsed.get())
                    .thenApply(served -> {
                        context.response().putHeader(ModelVersionHeader.NAME, Long.toString(served.version()));
                        if (served.fallback() != null) {
                            context.response().putHeader(FallbackNote.HEADER, served.fallback().header());
                        }
                        return writer.write(served);
                    })
                    .whenComplete((response, failure) -> {
                        if (failure != null) {
                            errors.send(context, failure);
                        } else {
                            send(context, response);
                        }
                    });
        } catch (RuntimeException e) {
            errors.send(context, e);
        }
    }

    /** The request read at most once: by the routing when the model's sticky key is a parameter, else by the run. */
    private static final class ParsedOnce {
        private final Supplier<V2InferenceRequest> read;
        private V2InferenceRequest request;

        ParsedOnce(Supplier<V2InferenceRequest> read) {
            this.read = read;
        }

        V2InferenceRequest get() {
            if (request == null) {
                request = read.get();
            }
            return request;
        }
    }

    private static void send(RoutingContext context, V2Response response) {
        if (response.hasBinaryData()) {
            context.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/octet-stream")
                    .putHeader(HEADER_LENGTH, Integer.toString(response.headerLength()));
        } else {
            context.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
        }
        context.response().end(Buffer.buffer(response.body()));
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
}
