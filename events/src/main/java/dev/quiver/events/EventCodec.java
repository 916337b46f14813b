package dev.quiver.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.cloudevents.CloudEvent;
import io.cloudevents.CloudEventData;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.cloudevents.jackson.JsonCloudEventData;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns payload records into CloudEvents and back, the one place an event is built. Both ways check the catalog: an
 * event is built only for a type it names, with the record it registers, and with data that validates against the
 * type's JSON Schema (an event Quiver emits that breaks its own schema is a bug, refused before it leaves); decoding
 * validates the data first, so a consumer either gets a well-formed record or an {@link InvalidEventException} naming
 * every offending path.
 *
 * <p>Unknown JSON properties are ignored when decoding: producers may add optional fields without breaking older
 * consumers (see {@code events/VERSIONING.md}).
 */
public final class EventCodec {

    public static final String JSON = "application/json";

    private final ObjectMapper mapper;
    private final Clock clock;
    private final Map<String, JsonSchema> schemas = new ConcurrentHashMap<>();

    public EventCodec(Clock clock) {
        this.clock = clock;
        this.mapper = JsonMapper.builder()
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .addModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .build();
    }

    /** Builds an event of {@code type} from {@code source} with a fresh id and the current time. */
    public CloudEvent encode(String type, URI source, Record payload, Map<String, String> extensions) {
        return encode(UUID.randomUUID().toString(), type, source, null, payload, extensions);
    }

    /**
     * Builds an event with the given id (ids that follow from what an event answers make a resend the same event).
     *
     * @param subject    the {@code subject} attribute, or null for none
     * @param extensions correlation attributes by their {@link CorrelationExtensions} names
     * @throws IllegalArgumentException when the type is not in the catalog, the record is not the one it registers,
     *                                  or the data breaks the type's schema
     */
    public CloudEvent encode(String id, String type, URI source, String subject, Record payload,
                             Map<String, String> extensions) {
        return event(id, type, source, subject, data(type, payload), extensions);
    }

    /**
     * An event whose type the catalog may not know, with data its sender chose (a {@code function} step's own
     * {@code params.type} and {@code params.data}). Data sent as a catalog type must still validate against its schema.
     *
     * @throws IllegalArgumentException when the type is a catalog type and the data breaks its schema
     */
    public CloudEvent encodeForeign(String id, String type, URI source, String subject, Object data,
                                    Map<String, String> extensions) {
        JsonNode tree = mapper.valueToTree(data);
        if (EventCatalog.payloadOf(type).isPresent()) {
            requireValid(type, tree);
        }
        return build(id, type, source, subject, write(tree, type), extensions);
    }

    /**
     * The data of a catalog event as JSON, checked against the type's schema: what an outbox stores to send later with
     * {@link #event}.
     *
     * @throws IllegalArgumentException as {@link #encode(String, String, URI, String, Record, Map)}
     */
    public byte[] data(String type, Record payload) {
        Class<? extends Record> declared = EventCatalog.payloadOf(type).orElseThrow(() ->
                new IllegalArgumentException("event type " + type + " is not in the event catalog"));
        if (!declared.equals(payload.getClass())) {
            throw new IllegalArgumentException("event type " + type + " carries " + declared.getSimpleName()
                    + ", not " + payload.getClass().getSimpleName());
        }
        JsonNode tree = mapper.valueToTree(payload);
        requireValid(type, tree);
        return write(tree, type);
    }

    /**
     * An event around data that {@link #data} produced (an outbox row): the catalog type is checked again, the data is
     * sent as it was stored.
     */
    public CloudEvent event(String id, String type, URI source, String subject, byte[] data,
                            Map<String, String> extensions) {
        if (EventCatalog.payloadOf(type).isEmpty()) {
            throw new IllegalArgumentException("event type " + type + " is not in the event catalog");
        }
        return build(id, type, source, subject, data, extensions);
    }

    /** Reads the data of {@code event} as the payload record its type declares. */
    public <T extends Record> T decode(CloudEvent event, Class<T> payloadType) {
        String type = event.getType();
        Class<? extends Record> declared = EventCatalog.payloadOf(type).orElseThrow(() -> new InvalidEventException(
                String.valueOf(type), List.of("type: \"" + type + "\" is not a Quiver event type")));
        if (!declared.equals(payloadType)) {
            throw new IllegalArgumentException("event type " + type + " carries " + declared.getSimpleName()
                    + ", not " + payloadType.getSimpleName());
        }
        CloudEventData data = event.getData();
        if (data == null) {
            throw new InvalidEventException(type, List.of("data: is missing"));
        }
        String contentType = event.getDataContentType();
        if (contentType != null && !JsonMediaType.matches(contentType)) {
            throw new InvalidEventException(type, List.of("datacontenttype: expected " + JSON + ", got " + contentType));
        }
        JsonNode tree;
        if (data instanceof JsonCloudEventData json) {
            tree = json.getNode();
        } else {
            try {
                tree = mapper.readTree(data.toBytes());
            } catch (JsonProcessingException e) {
                throw new InvalidEventException(type, List.of("data: not valid JSON (" + e.getOriginalMessage() + ")"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        validate(type, tree);
        try {
            return mapper.treeToValue(tree, payloadType);
        } catch (JsonProcessingException e) {
            throw new InvalidEventException(type, List.of("data: " + e.getOriginalMessage()));
        }
    }

    /**
     * Validates a JSON payload against the schema of {@code type}. A number beyond a double's range is refused first:
     * the parser reads it as infinity, which every schema's {@code number} would let through.
     */
    public void validate(String type, JsonNode payload) {
        List<String> outOfRange = new ArrayList<>();
        requireFinite(payload, new ArrayDeque<>(), outOfRange);
        if (!outOfRange.isEmpty()) {
            throw new InvalidEventException(type, outOfRange);
        }
        Set<ValidationMessage> messages;
        try {
            messages = schema(type).validate(payload);
        } catch (NumberFormatException | ArithmeticException e) {
            // the validator reads numbers exactly, and a number beyond a double's range was read as Infinity
            throw new InvalidEventException(type, List.of("data: a number is out of range (" + e.getMessage() + ")"));
        }
        if (!messages.isEmpty()) {
            List<String> problems = new ArrayList<>();
            messages.stream()
                    .sorted(Comparator.comparing((ValidationMessage m) -> m.getInstanceLocation().toString())
                            .thenComparing(ValidationMessage::getMessage))
                    .forEach(m -> problems.add(m.getMessage()));
            throw new InvalidEventException(type, problems);
        }
    }

    /** Walks the tree keeping the path as segments, so a valid payload (every one on the hot path) builds no text. */
    private static void requireFinite(JsonNode node, Deque<String> path, List<String> problems) {
        if (node == null) {
            return;
        }
        if (node.isNumber() && !Double.isFinite(node.doubleValue())) {
            problems.add("$" + String.join("", path) + ": the number is out of range; expected a finite number of "
                    + "magnitude at most about 1.8e308");
        } else if (node.isObject()) {
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                path.addLast("." + field.getKey());
                requireFinite(field.getValue(), path, problems);
                path.removeLast();
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                JsonNode element = node.get(i);
                if (element.isContainerNode() || element.isNumber()) {
                    path.addLast("[" + i + "]");
                    requireFinite(element, path, problems);
                    path.removeLast();
                }
            }
        }
    }

    public byte[] toJson(Record payload) {
        try {
            return mapper.writeValueAsBytes(payload);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot serialize " + payload.getClass().getSimpleName(), e);
        }
    }

    public JsonNode toTree(Record payload) {
        return mapper.valueToTree(payload);
    }

    private CloudEvent build(String id, String type, URI source, String subject, byte[] data,
                             Map<String, String> extensions) {
        CloudEventBuilder builder = CloudEventBuilder.v1()
                .withId(id)
                .withSource(source)
                .withType(type)
                .withTime(OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC))
                .withDataContentType(JSON)
                .withData(JSON, data);
        if (subject != null) {
            builder.withSubject(subject);
        }
        extensions.forEach((name, value) -> {
            if (!CorrelationExtensions.isValidName(name)) {
                throw new IllegalArgumentException("extension attribute \"" + name
                        + "\" is not a CloudEvents name (lower-case letters and digits, at most 20)");
            }
            builder.withExtension(name, value);
        });
        return builder.build();
    }

    /** The producer's own check: a violation is Quiver's bug, not the receiver's, so it is no InvalidEventException. */
    private void requireValid(String type, JsonNode tree) {
        try {
            validate(type, tree);
        } catch (InvalidEventException e) {
            throw new IllegalArgumentException("an event of type " + type + " would break its schema: "
                    + String.join("; ", e.problems()), e);
        }
    }

    private byte[] write(JsonNode tree, String type) {
        try {
            return mapper.writeValueAsBytes(tree);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot serialize the data of a " + type + " event", e);
        }
    }

    private JsonSchema schema(String type) {
        return schemas.computeIfAbsent(type, t -> {
            String resource = EventCatalog.schemaResource(t);
            try (InputStream in = EventCodec.class.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException("no JSON Schema for event type " + t + " at " + resource);
                }
                return SchemaFactory.INSTANCE.getSchema(in);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + resource, e);
            }
        });
    }

    /**
     * Created on the first validation rather than with the codec: the validator's library is some 160 classes,
     * which a service would load while starting although its first event comes later.
     */
    private static final class SchemaFactory {
        static final JsonSchemaFactory INSTANCE = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
    }
}
