package dev.quiver.inference.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quiver.events.CorrelationExtensions;
import dev.quiver.events.EventCodec;
import dev.quiver.events.EventTypes;
import dev.quiver.events.InvalidEventException;
import dev.quiver.events.inference.InferenceCompleted;
import dev.quiver.events.inference.InferenceFailed;
import dev.quiver.events.inference.TensorPayload;
import dev.quiver.inference.InferenceException;
import dev.quiver.inference.protocol.v2.V2RequestReader;
import dev.quiver.inference.protocol.v2.V2ResponseWriter;
import dev.quiver.inference.serving.InferenceService;
import io.quarkus.funqy.Funq;
import io.quarkus.funqy.knative.events.CloudEvent;
import io.quarkus.funqy.knative.events.CloudEventBuilder;
import io.quarkus.funqy.knative.events.CloudEventMapping;
import io.smallrye.mutiny.Uni;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * {@code dev.quiver.inference.requested} in, {@code dev.quiver.inference.completed} or
 * {@code dev.quiver.inference.failed} out, as the reply the broker publishes. A request that can never succeed as
 * sent (unknown model or version, a payload or tensor that does not fit the model) is answered with a failed event,
 * which the broker does not retry; a fault that may pass (model not ready, our own error) is a 5xx, which it does.
 * Replies carry the request's id in the {@code correlationid} extension and never have the trigger's type.
 */
public class InferenceEventFunction {

    static final String SOURCE = "/quiver/inference";

    private final InferenceService service;
    private final EventReplies replies;
    private final ObjectMapper mapper;
    private final EventCodec codec = new EventCodec(Clock.systemUTC());
    private final V2RequestReader reader;
    private final V2ResponseWriter writer;

    public InferenceEventFunction(InferenceService service, EventReplies replies, ObjectMapper mapper) {
        this.service = service;
        this.replies = replies;
        this.mapper = mapper;
        this.reader = new V2RequestReader(mapper);
        this.writer = new V2ResponseWriter(mapper.getFactory());
    }

    @Funq("inference-requested")
    @CloudEventMapping(trigger = EventTypes.INFERENCE_REQUESTED, responseSource = SOURCE,
            responseType = EventTypes.INFERENCE_COMPLETED)
    public Uni<CloudEvent<Object>> requested(CloudEvent<JsonNode> event) {
        JsonNode data;
        try {
            data = event.data();
        } catch (UncheckedIOException e) {
            // Funqy reads binary-mode data lazily: an unparseable body surfaces here and must be a 400, not a 500
            throw InferenceException.invalidInput("data: not valid JSON (" + e.getCause().getMessage() + ")");
        }
        return Uni.createFrom().completionStage(replies.once(event.source(), event.id(),
                () -> answer(new Reply(event.source(), event.id()), data)));
    }

    private CompletableFuture<CloudEvent<Object>> answer(Reply correlation, JsonNode data) {
        String model = data != null && data.path("model").isTextual() ? data.get("model").asText() : "";
        Optional<String> version = data != null && data.path("version").isTextual()
                ? Optional.of(data.get("version").asText()) : Optional.empty();
        if (data == null || !data.isObject()) {
            return CompletableFuture.completedFuture(failed(model, version,
                    "data: required, a JSON object {model, version?, inputs, outputs?}", InferenceFailed.INVALID_INPUT,
                    correlation));
        }
        try {
            codec.validate(EventTypes.INFERENCE_REQUESTED, data);
        } catch (InvalidEventException e) {
            return CompletableFuture.completedFuture(failed(model, version, e.getMessage(),
                    InferenceFailed.INVALID_INPUT, correlation));
        }
        byte[] body = v2Body(data);
        return service.infer("event", model, version, loaded -> reader.read(body, -1))
                .thenApply(served -> completed(writer.write(served).body(), correlation))
                .exceptionally(failure -> {
                    Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
                    if (cause instanceof InferenceException e && e.kind().status() < 500
                            && e.kind() != InferenceException.Kind.PAYLOAD_TOO_LARGE) {
                        return failed(model, version, e.getMessage(), e.kind() == InferenceException.Kind.NOT_FOUND
                                ? InferenceFailed.NOT_FOUND : InferenceFailed.INVALID_INPUT, correlation);
                    }
                    throw cause instanceof RuntimeException runtime ? runtime : new CompletionException(cause);
                })
                .toCompletableFuture();
    }

    /** The request as an OIP v2 body, so that events and HTTP share one reader and its checks. */
    private byte[] v2Body(JsonNode data) {
        ObjectNode request = mapper.createObjectNode();
        request.set("inputs", data.get("inputs"));
        if (data.path("outputs").isArray()) {
            ArrayNode outputs = request.putArray("outputs");
            data.get("outputs").forEach(name -> outputs.addObject().set("name", name));
        }
        try {
            return mapper.writeValueAsBytes(request);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private CloudEvent<Object> completed(byte[] v2Response, Reply correlation) {
        try {
            JsonNode response = mapper.readTree(v2Response);
            List<TensorPayload> outputs = new ArrayList<>();
            for (JsonNode output : response.get("outputs")) {
                List<Long> shape = new ArrayList<>();
                output.get("shape").forEach(dim -> shape.add(dim.asLong()));
                outputs.add(new TensorPayload(output.get("name").asText(), output.get("datatype").asText(), shape,
                        output.get("data")));
            }
            return reply(EventTypes.INFERENCE_COMPLETED, new InferenceCompleted(
                    response.get("model_name").asText(), response.get("model_version").asText(), outputs),
                    correlation);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static CloudEvent<Object> failed(String model, Optional<String> version, String error, String reason,
                                             Reply correlation) {
        return reply(EventTypes.INFERENCE_FAILED, new InferenceFailed(model, version.orElse(null), error, reason),
                correlation);
    }

    private static CloudEvent<Object> reply(String type, Object payload, Reply to) {
        return CloudEventBuilder.create().id(to.replyId(type)).type(type).source(SOURCE)
                .extensions(Map.of(CorrelationExtensions.CORRELATION_ID, to.id())).build(payload);
    }

    /** The request a reply answers; the reply's id follows from it, so a redelivery is answered with the same id. */
    private record Reply(String source, String id) {

        String replyId(String type) {
            return UUID.nameUUIDFromBytes((source + '\u0000' + id + '\u0000' + type)
                    .getBytes(StandardCharsets.UTF_8)).toString();
        }
    }
}
