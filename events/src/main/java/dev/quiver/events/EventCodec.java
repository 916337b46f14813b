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
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns payload records into CloudEvents and back. Decoding validates the data against the type's JSON Schema first,
 * so a consumer either gets a well-formed record or an {@link InvalidEventException} naming every offending path.
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
        requireKnown(type, payload.getClass());
        CloudEventBuilder builder = CloudEventBuilder.v1()
                .withId(UUID.randomUUID().toString())
                .withSource(source)
                .withType(type)
                .withTime(OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC))
                .withDataContentType(JSON)
                .withData(JSON, toJson(payload));
        extensions.forEach((name, value) -> {
            if (!CorrelationExtensions.isValidName(name)) {
                throw new IllegalArgumentException("extension attribute \"" + name
                        + "\" is not a CloudEvents name (lower-case letters and digits, at most 20)");
            }
            builder.withExtension(name, value);
        });
        return builder.build();
    }

    /** Reads the data of {@code event} as the payload record its type declares. */
    public <T extends Record> T decode(CloudEvent event, Class<T> payloadType) {
        String type = event.getType();
        requireKnown(type, payloadType);
        CloudEventData data = event.getData();
        if (data == null) {
            throw new InvalidEventException(type, List.of("data: is missing"));
        }
        String contentType = event.getDataContentType();
        if (contentType != null && !contentType.startsWith(JSON) && !contentType.contains("+json")) {
            throw new InvalidEventException(type, List.of("datacontenttype: expected " + JSON + ", got " + contentType));
        }
        JsonNode tree;
        try {
            tree = mapper.readTree(data.toBytes());
        } catch (JsonProcessingException e) {
            throw new InvalidEventException(type, List.of("data: not valid JSON (" + e.getOriginalMessage() + ")"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        validate(type, tree);
        try {
            return mapper.treeToValue(tree, payloadType);
        } catch (JsonProcessingException e) {
            throw new InvalidEventException(type, List.of("data: " + e.getOriginalMessage()));
        }
    }

    /** Validates a JSON payload against the schema of {@code type}. */
    public void validate(String type, JsonNode payload) {
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
     * which a service that only encodes events (the admission layer's usage reports) would load while starting.
     */
    private static final class SchemaFactory {
        static final JsonSchemaFactory INSTANCE = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
    }

    private static void requireKnown(String type, Class<?> payloadType) {
        Class<? extends Record> declared = EventCatalog.payloadOf(type)
                .orElseThrow(() -> new InvalidEventException(String.valueOf(type),
                        List.of("type: \"" + type + "\" is not a Quiver event type")));
        if (!declared.equals(payloadType)) {
            throw new IllegalArgumentException("event type " + type + " carries " + declared.getSimpleName()
                    + ", not " + payloadType.getSimpleName());
        }
    }
}
