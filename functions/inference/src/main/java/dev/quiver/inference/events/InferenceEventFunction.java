package dev.quiver.inference.events;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quiver.events.CorrelationExtensions;
import dev.quiver.events.EventCodec;
import dev.quiver.events.EventTypes;
import dev.quiver.events.InvalidEventException;
import dev.quiver.events.inference.InferenceCompleted;
import dev.quiver.events.inference.InferenceFailed;
import dev.quiver.events.inference.InferenceRequested;
import dev.quiver.events.inference.TensorPayload;
import dev.quiver.inference.InferenceException;
import dev.quiver.inference.fallback.FallbackNote;
import dev.quiver.inference.protocol.v2.V2RequestReader;
import dev.quiver.inference.protocol.v2.V2ResponseWriter;
import dev.quiver.inference.routing.RequestKeys;
import dev.quiver.inference.routing.RoutingKeys;
import dev.quiver.inference.serving.InferenceService;
import io.cloudevents.CloudEvent;
import io.cloudevents.jackson.JsonCloudEventData;
import io.quarkus.runtime.annotations.RegisterForReflection;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * {@code dev.quiver.inference.requested} in, {@code dev.quiver.inference.completed} or
 * {@code dev.quiver.inference.failed} out, as the reply the broker publishes. A request that can never succeed as
 * sent (unknown model or version, a payload or tensor that does not fit the model) is answered with a failed event,
 * which the broker does not retry; a fault that may pass (model not ready, our own error) is a 5xx, which it does.
 * Replies carry the request's id in the {@code correlationid} extension and never have the trigger's type; a reply
 * the model's fallback chain gave carries {@code fallbackreason} and {@code fallbackansweredby}.
 */
@ApplicationScoped
public class InferenceEventFunction {

    static final URI SOURCE = URI.create("/quiver/inference");

    private final InferenceService service;
    private final EventReplies replies;
    private final ObjectMapper mapper;
    private final EventCodec codec;
    private final V2RequestReader reader;
    private final V2ResponseWriter writer;

    public InferenceEventFunction(InferenceService service, EventReplies replies, ObjectMapper mapper,
                                  EventCodec codec) {
        this.service = service;
        this.replies = replies;
        this.mapper = mapper;
        this.codec = codec;
        this.reader = new V2RequestReader(mapper);
        this.writer = new V2ResponseWriter(mapper.getFactory());
    }

    /** Answers a request event whose data the guard has read as JSON (or that has none). */
    public CompletableFuture<CloudEvent> requested(CloudEvent event) {
        String source = event.getSource().toString();
        return replies.once(source, event.getId(), () -> answer(event, new Reply(source, event.getId())));
    }

    private CompletableFuture<CloudEvent> answer(CloudEvent event, Reply correlation) {
        InferenceRequested request;
        try {
            request = codec.decode(event, InferenceRequested.class);
        } catch (InvalidEventException e) {
            JsonNode data = event.getData() instanceof JsonCloudEventData json ? json.getNode() : null;
            String model = data != null && data.path("model").isTextual() ? data.get("model").asText() : "";
            String version = data != null && data.path("version").isTextual() ? data.get("version").asText() : null;
            return CompletableFuture.completedFuture(failed(new InferenceFailed(model, version, e.getMessage(),
                    InferenceFailed.INVALID_INPUT), correlation));
        }
        byte[] body = v2Body(request);
        // the event's id is the inference id: the reply's correlationid, what a label for this answer names
        return service.inferAs("event", event.getId(), request.model(), Optional.ofNullable(request.version()),
                        keys(event), loaded -> reader.read(body, body.length, -1))
                .thenApply(served -> completed(writer.write(served).body(), served.fallback(), correlation))
                .exceptionally(failure -> {
                    Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
                    if (cause instanceof InferenceException e && e.kind().status() < 500
                            && e.kind() != InferenceException.Kind.PAYLOAD_TOO_LARGE) {
                        return failed(new InferenceFailed(request.model(), request.version(), e.getMessage(),
                                e.kind() == InferenceException.Kind.NOT_FOUND ? InferenceFailed.NOT_FOUND
                                        : InferenceFailed.INVALID_INPUT), correlation);
                    }
                    throw cause instanceof RuntimeException runtime ? runtime : new CompletionException(cause);
                })
                .toCompletableFuture();
    }

    /**
     * An event's sticky keys: its {@code source} is the caller, and a header or parameter key names an extension
     * attribute (lower-cased, as CloudEvents names them).
     */
    private static RoutingKeys keys(CloudEvent event) {
        Function<String, String> extension = name -> {
            Object value = event.getExtension(name.toLowerCase(Locale.ROOT));
            return value == null ? null : value.toString();
        };
        return new RequestKeys(Optional.of(event.getSource().toString()), extension, extension::apply);
    }

    /** The request as an OIP v2 body, so that events and HTTP share one reader and its checks. */
    private byte[] v2Body(InferenceRequested request) {
        List<V2Output> outputs = request.outputs() == null ? null
                : request.outputs().stream().map(V2Output::new).toList();
        try {
            return mapper.writeValueAsBytes(new V2Body(request.inputs(), outputs));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private CloudEvent completed(byte[] v2Response, FallbackNote fallback, Reply correlation) {
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
                    correlation, fallback);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private CloudEvent failed(InferenceFailed failure, Reply correlation) {
        return reply(EventTypes.INFERENCE_FAILED, failure, correlation, null);
    }

    /** A reply the fallback chain gave says so in two extensions, so a Trigger can filter on them. */
    private CloudEvent reply(String type, Record payload, Reply to, FallbackNote fallback) {
        Map<String, String> extensions = fallback == null
                ? Map.of(CorrelationExtensions.CORRELATION_ID, to.id())
                : Map.of(CorrelationExtensions.CORRELATION_ID, to.id(),
                        FallbackNote.REASON_EXTENSION, fallback.reason().label(),
                        FallbackNote.ANSWERED_BY_EXTENSION, fallback.answeredBy());
        return codec.encode(to.replyId(type), type, SOURCE, null, payload, extensions);
    }

    /** The request a reply answers; the reply's id follows from it, so a redelivery is answered with the same id. */
    private record Reply(String source, String id) {

        String replyId(String type) {
            return UUID.nameUUIDFromBytes((source + '\u0000' + id + '\u0000' + type)
                    .getBytes(StandardCharsets.UTF_8)).toString();
        }
    }

    /** The body of an OIP v2 inference request: the event's tensors have the v2 JSON form already. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @RegisterForReflection
    private record V2Body(List<TensorPayload> inputs, List<V2Output> outputs) {
    }

    @RegisterForReflection
    private record V2Output(String name) {
    }
}
