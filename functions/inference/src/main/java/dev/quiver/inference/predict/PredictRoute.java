package dev.quiver.inference.predict;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.admission.AdmissionLayer;
import dev.quiver.admission.http.SizedBodyHandler;
import dev.quiver.inference.InferenceException;
import dev.quiver.inference.fallback.FallbackNote;
import dev.quiver.inference.http.JsonErrors;
import dev.quiver.inference.protocol.v1.InstancesCodec;
import dev.quiver.inference.protocol.v1.InstancesRequest;
import dev.quiver.inference.routing.ModelVersionHeader;
import dev.quiver.inference.routing.RequestKeys;
import dev.quiver.inference.runtime.LoadedModel;
import dev.quiver.inference.serving.InferenceService;
import dev.quiver.inference.serving.ServedInference;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code POST /predict} over plain HTTP, served on the event loop as the v2 endpoint is: the body is checked and read
 * in one pass ({@link PredictBody}), the instances decoded straight into tensors, and the answer written straight to
 * the response, without Funqy's object binding or its hand-off to a worker thread and back. The contract is the Funqy
 * function's ({@link PredictFunction}): the same body, the same answer {@code {"model", "model_version",
 * "predictions"}} (with {@code "fallback"} and the {@code Quiver-Fallback} header when the model's fallback chain
 * answered), the same errors. A CloudEvent sent to {@code /predict} goes on to the Funqy function, which
 * answers it as one.
 */
@ApplicationScoped
public class PredictRoute {

    private final InferenceService service;
    private final JsonFactory json;
    private final JsonErrors errors;

    public PredictRoute(InferenceService service, ObjectMapper mapper, JsonErrors errors) {
        this.service = service;
        this.json = mapper.getFactory();
        this.errors = errors;
    }

    void install(@Observes Router router) {
        router.post("/predict").order(AdmissionLayer.ROUTE_ORDER + 1).handler(this::predict);
    }

    private void predict(RoutingContext context) {
        byte[] body = SizedBodyHandler.bytes(context);
        if (body.length == 0) {
            errors.send(context, InferenceException.invalidInput("request body: expected a JSON object, got an "
                    + "empty body"));
            return;
        }
        PredictBody.Fields fields;
        try (JsonParser parser = json.createParser(body)) {
            fields = PredictBody.check(parser);
        } catch (JsonParseException e) {
            errors.send(context, InferenceException.malformedJson(e));
            return;
        } catch (InferenceException e) {
            errors.send(context, e);
            return;
        } catch (IOException e) {
            errors.send(context, InferenceException.invalidInput("request body: unreadable JSON: " + e.getMessage()));
            return;
        }
        if (cloudEvent(context.request())) {
            context.next();
            return;
        }
        try {
            if (!json(context.request().getHeader(HttpHeaders.CONTENT_TYPE))) {
                throw InferenceException.unsupportedMediaType("Content-Type: expected application/json");
            }
            if (fields.model() == null || fields.model().isBlank()) {
                throw InferenceException.invalidInput("model: is required");
            }
            if (fields.instancesStart() < 0) {
                throw InferenceException.invalidInput("instances: is required; one entry per item");
            }
            service.infer("predict", fields.model(), Optional.ofNullable(fields.version()),
                            RequestKeys.http(context.request()::getHeader), model -> instances(body, fields, model))
                    .whenComplete((served, failure) -> {
                        if (failure != null) {
                            errors.send(context, failure);
                            return;
                        }
                        byte[] answer;
                        try {
                            answer = answer(served);
                        } catch (RuntimeException e) {
                            errors.send(context, e);
                            return;
                        }
                        context.response().putHeader(ModelVersionHeader.NAME, Long.toString(served.version()));
                        if (served.fallback() != null) {
                            context.response().putHeader(FallbackNote.HEADER, served.fallback().header());
                        }
                        context.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                                .end(Buffer.buffer(answer));
                    });
        } catch (RuntimeException e) {
            errors.send(context, e);
        }
    }

    private InstancesRequest instances(byte[] body, PredictBody.Fields fields, LoadedModel model) {
        int start = (int) fields.instancesStart();
        int length = (int) (fields.instancesEnd() - fields.instancesStart());
        try (JsonParser parser = json.createParser(body, start, length)) {
            parser.nextToken();
            return InstancesCodec.read(parser, model.name(), model.signature(), "instances", length);
        } catch (IOException e) {
            throw InferenceException.invalidInput("instances: unreadable JSON: " + e.getMessage());
        }
    }

    private byte[] answer(ServedInference<InstancesRequest> served) {
        ByteArrayBuilder bytes = new ByteArrayBuilder();
        try (JsonGenerator out = json.createGenerator(bytes)) {
            out.writeStartObject();
            out.writeStringField("model", served.model());
            out.writeStringField("model_version", Long.toString(served.version()));
            out.writeFieldName("predictions");
            InstancesCodec.writePredictions(out, served.outputs());
            if (served.fallback() != null) {
                out.writeObjectFieldStart("fallback");
                out.writeStringField("reason", served.fallback().reason().label());
                out.writeStringField("answered_by", served.fallback().answeredBy());
                out.writeEndObject();
            }
            out.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** A CloudEvent in binary mode (its attributes in {@code ce-} headers) or in structured mode. */
    private static boolean cloudEvent(HttpServerRequest request) {
        String type = request.getHeader(HttpHeaders.CONTENT_TYPE);
        return request.getHeader("ce-specversion") != null
                || type != null && type.toLowerCase(Locale.ROOT).startsWith("application/cloudevents");
    }

    /** No media type, or JSON: what the Funqy function accepts. */
    private static boolean json(String contentType) {
        if (contentType == null || contentType.isBlank()) {
            return true;
        }
        int parameters = contentType.indexOf(';');
        String type = (parameters < 0 ? contentType : contentType.substring(0, parameters)).trim();
        return type.equalsIgnoreCase("application/json");
    }
}
