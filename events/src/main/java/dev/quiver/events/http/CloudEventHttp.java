package dev.quiver.events.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.quiver.events.InvalidEventException;
import io.cloudevents.CloudEvent;
import io.cloudevents.SpecVersion;
import io.cloudevents.core.format.EventFormat;
import io.cloudevents.core.provider.EventFormatProvider;
import io.cloudevents.http.HttpMessageFactory;
import io.cloudevents.jackson.JsonFormat;
import io.cloudevents.rw.CloudEventRWException;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * CloudEvents over HTTP, both ways, through the CloudEvents SDK's HTTP binding: binary mode ({@code ce-*} headers,
 * the data as the body, its media type as {@code Content-Type}) and structured mode ({@code
 * application/cloudevents+json}, the whole event as JSON). What cannot be read as a CloudEvent 1.0 is an {@link
 * InvalidEventException} whose message names the header or attribute at fault, so that every receiver answers it with
 * a 400 (Knative retries 5xx, and a request like this can never succeed).
 */
public final class CloudEventHttp {

    /** How an event travels over HTTP. */
    public enum Mode {
        BINARY, STRUCTURED
    }

    private static final String STRUCTURED_MEDIA_TYPE = "application/cloudevents";
    private static final String BATCH_MEDIA_TYPE = "application/cloudevents-batch+json";
    private static final List<String> REQUIRED = List.of("id", "source", "specversion", "type");
    /** Reads structured events with the SDK's JSON format; a duplicate key anywhere is refused, never dropped. */
    private static final JsonMapper ENVELOPE = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .addModule(JsonFormat.getCloudEventJacksonModule())
            .build();
    private static final ObjectMapper LENIENT = new ObjectMapper();

    private CloudEventHttp() {
    }

    /** Whether a request is meant as a CloudEvent: a {@code ce-specversion} header or a CloudEvents media type. */
    public static boolean isCloudEvent(String contentType, String specVersionHeader) {
        return specVersionHeader != null || isStructured(contentType);
    }

    /** Whether a request is a batch of structured events ({@code application/cloudevents-batch+json}). */
    public static boolean isBatch(String contentType) {
        return contentType != null && contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT)
                .equals(BATCH_MEDIA_TYPE);
    }

    /**
     * Reads a batch ({@code application/cloudevents-batch+json}): a JSON array of structured CloudEvents 1.0, each
     * read with the SDK's JSON format, as a single structured event is.
     *
     * @throws InvalidEventException naming the event ({@code [2]: ...}) and what is wrong with it
     */
    public static List<ReceivedEvent> readBatch(byte[] body) {
        String expected = "CloudEvents batch: expected a JSON array of structured CloudEvents";
        JsonNode batch;
        try {
            batch = body == null || body.length == 0 ? null : ENVELOPE.readTree(body);
        } catch (JsonProcessingException e) {
            throw new InvalidEventException(expected + " (" + e.getOriginalMessage() + ")");
        } catch (IOException e) {
            batch = null;
        }
        if (batch == null || !batch.isArray()) {
            throw new InvalidEventException(expected);
        }
        List<ReceivedEvent> events = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            CloudEvent event;
            try {
                event = ENVELOPE.treeToValue(batch.get(i), CloudEvent.class);
                requireAttributes(event);
            } catch (InvalidEventException e) {
                throw new InvalidEventException("[" + i + "]: " + e.getMessage());
            } catch (JsonProcessingException | RuntimeException e) {
                throw new InvalidEventException("[" + i + "]: " + structuredProblem(batch.get(i), e));
            }
            events.add(new ReceivedEvent(event, Mode.STRUCTURED));
        }
        return events;
    }

    /**
     * Reads a request (or a response) as a CloudEvent 1.0.
     *
     * @param headers visits every header as (name, value)
     * @param body    the body, possibly empty
     * @throws InvalidEventException naming what is wrong: not a CloudEvent, a missing or malformed attribute, another
     *                               spec version, a structured event that is not a JSON object or whose {@code
     *                               data_base64} is not base64
     */
    public static ReceivedEvent read(Consumer<BiConsumer<String, String>> headers, byte[] body) {
        Map<String, String> byName = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.accept(byName::putIfAbsent);
        String contentType = byName.get("Content-Type");
        if (isStructured(contentType)) {
            return new ReceivedEvent(structured(contentType, body), Mode.STRUCTURED);
        }
        return new ReceivedEvent(binary(byName, headers, body), Mode.BINARY);
    }

    /** Reads the answer to an event sent with {@link CloudEventSender}, in either mode. */
    public static ReceivedEvent read(HttpResponse<byte[]> response) {
        return read(visitor -> response.headers().map().forEach((name, values) -> values.forEach(value ->
                visitor.accept(name, value))), response.body());
    }

    /**
     * Writes {@code event} in {@code mode}: the headers first, then the body (null for an event without data).
     *
     * @param header puts one header
     * @param body   sends the body; called once, last
     */
    public static void write(CloudEvent event, Mode mode, BiConsumer<String, String> header, Consumer<byte[]> body) {
        if (mode == Mode.STRUCTURED) {
            HttpMessageFactory.createWriter(header, body).writeStructured(event, JsonFormat.CONTENT_TYPE);
        } else {
            HttpMessageFactory.createWriter(header, body).writeBinary(event);
        }
    }

    private static boolean isStructured(String contentType) {
        return contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith(STRUCTURED_MEDIA_TYPE);
    }

    private static CloudEvent binary(Map<String, String> byName, Consumer<BiConsumer<String, String>> headers,
                                     byte[] body) {
        if (byName.keySet().stream().noneMatch(name -> name.toLowerCase(Locale.ROOT).startsWith("ce-"))) {
            throw new InvalidEventException("expected a CloudEvent, in binary mode (ce-id, ce-source, "
                    + "ce-specversion, ce-type headers) or structured mode (" + JsonFormat.CONTENT_TYPE + ")");
        }
        List<String> missing = new ArrayList<>();
        for (String attribute : REQUIRED) {
            String value = byName.get("ce-" + attribute);
            if (value == null || value.isBlank()) {
                missing.add("ce-" + attribute);
            }
        }
        if (!missing.isEmpty()) {
            throw new InvalidEventException("CloudEvent: missing required attribute(s) " + String.join(", ", missing));
        }
        requireVersion1(byName.get("ce-specversion"));
        try {
            return HttpMessageFactory.createReader(headers, body).toEvent();
        } catch (CloudEventRWException | IllegalStateException | IllegalArgumentException e) {
            throw new InvalidEventException("CloudEvent: " + e.getMessage());
        }
    }

    private static CloudEvent structured(String contentType, byte[] body) {
        EventFormat format = EventFormatProvider.getInstance().resolveFormat(contentType.toLowerCase(Locale.ROOT));
        if (format == null || !JsonFormat.CONTENT_TYPE.equals(format.serializedContentType())) {
            throw new InvalidEventException("Content-Type: expected " + JsonFormat.CONTENT_TYPE
                    + " (one event per request), got " + contentType);
        }
        CloudEvent event;
        try {
            event = ENVELOPE.readValue(body == null ? new byte[0] : body, CloudEvent.class);
        } catch (IOException | RuntimeException e) {
            throw new InvalidEventException(structuredProblem(readLeniently(body), e));
        }
        requireAttributes(event);
        return event;
    }

    private static void requireAttributes(CloudEvent event) {
        List<String> blank = new ArrayList<>();
        if (event.getId().isBlank()) {
            blank.add("id");
        }
        if (event.getSource().toString().isEmpty()) {
            blank.add("source");
        }
        if (event.getType().isBlank()) {
            blank.add("type");
        }
        if (!blank.isEmpty()) {
            throw new InvalidEventException("CloudEvent: missing required attribute(s) " + String.join(", ", blank));
        }
        requireVersion1(event.getSpecVersion().toString());
    }

    /**
     * What is wrong with a structured event the SDK refused, named by attribute. Worked out only on this path, so an
     * event that reads well is parsed once.
     */
    private static String structuredProblem(JsonNode event, Exception failure) {
        if (event == null || !event.isObject()) {
            return "structured CloudEvent: expected a JSON object with id, source, specversion, type and data";
        }
        List<String> missing = new ArrayList<>();
        for (String attribute : REQUIRED) {
            if (!event.path(attribute).isTextual() || event.get(attribute).asText().isBlank()) {
                missing.add(attribute);
            }
        }
        if (!missing.isEmpty()) {
            return "CloudEvent: missing required attribute(s) " + String.join(", ", missing)
                    + " (each a non-empty string)";
        }
        if (!"1.0".equals(event.get("specversion").asText())) {
            return versionProblem(event.get("specversion").asText());
        }
        if (event.has("data_base64")) {
            JsonNode encoded = event.get("data_base64");
            try {
                if (!encoded.isTextual()) {
                    throw new IllegalArgumentException("not a string");
                }
                Base64.getDecoder().decode(encoded.asText());
            } catch (IllegalArgumentException e) {
                return "data_base64: expected the data in base64 (" + e.getMessage() + ")";
            }
        }
        Throwable cause = failure;
        while (cause.getCause() != null) {
            cause = cause.getCause();
        }
        String message = cause instanceof JsonProcessingException json ? json.getOriginalMessage()
                : cause.getMessage();
        return "structured CloudEvent: " + message;
    }

    /** The body as JSON without the strict checks, to say which attribute a refused event gets wrong. */
    private static JsonNode readLeniently(byte[] body) {
        try {
            return body == null || body.length == 0 ? null : LENIENT.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    private static void requireVersion1(String specVersion) {
        if (!SpecVersion.V1.toString().equals(specVersion)) {
            throw new InvalidEventException(versionProblem(specVersion));
        }
    }

    private static String versionProblem(String specVersion) {
        return "CloudEvent: specversion '" + specVersion + "' is not supported; expected 1.0";
    }
}
