package dev.quiver.orchestration.deadletter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * Reads a dead-lettered CloudEvent from an HTTP request, in binary mode ({@code ce-*} headers, the body as data) or
 * structured mode ({@code application/cloudevents+json}, data in {@code data} or {@code data_base64}). Anything the
 * broker sends is taken as long as it has the attributes a record is keyed and named by: id, source and type.
 */
public final class DeadLetterRequest {

    /** Data beyond this is cut: the record is for finding and replaying an event, not an archive of large payloads. */
    public static final int MAX_DATA_BYTES = 64 * 1024;

    private final ObjectMapper json;

    public DeadLetterRequest(ObjectMapper json) {
        this.json = json;
    }

    /**
     * @param contentType the request's {@code Content-Type}, may be null
     * @param header      a header's value by name, null when absent
     * @param body        the request body, possibly empty
     * @throws InvalidDeadLetterException naming the attribute that is missing or the body that cannot be read
     */
    public DeadLetter read(String contentType, Function<String, String> header, byte[] body, Instant receivedAt) {
        if (contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("application/cloudevents+json")) {
            return structured(body, receivedAt);
        }
        byte[] data = body == null ? new byte[0] : body;
        return letter(name -> header.apply("ce-" + name), contentType, data, receivedAt);
    }

    private DeadLetter structured(byte[] body, Instant receivedAt) {
        JsonNode event;
        try {
            event = json.readTree(body);
        } catch (IOException e) {
            event = null;
        }
        if (event == null || !event.isObject()) {
            throw new InvalidDeadLetterException(
                    "structured CloudEvent: expected a JSON object with id, source and type");
        }
        byte[] data;
        if (event.hasNonNull("data_base64")) {
            try {
                data = Base64.getDecoder().decode(event.get("data_base64").asText());
            } catch (IllegalArgumentException e) {
                throw new InvalidDeadLetterException("data_base64: expected base64, " + e.getMessage());
            }
        } else if (event.hasNonNull("data")) {
            JsonNode value = event.get("data");
            data = (value.isTextual() ? value.asText() : value.toString()).getBytes(StandardCharsets.UTF_8);
        } else {
            data = new byte[0];
        }
        JsonNode root = event;
        return letter(name -> root.hasNonNull(name) ? root.get(name).asText() : null,
                root.path("datacontenttype").asText(null), data, receivedAt);
    }

    private static DeadLetter letter(Function<String, String> attribute, String contentType, byte[] data,
                                     Instant receivedAt) {
        String id = required(attribute, "id");
        String source = required(attribute, "source");
        String type = required(attribute, "type");
        boolean truncated = data.length > MAX_DATA_BYTES;
        byte[] kept = truncated ? Arrays.copyOf(data, MAX_DATA_BYTES) : data;
        Optional<String> text = kept.length == 0 ? Optional.empty() : utf8(kept, truncated);
        String base64 = kept.length == 0 || text.isPresent() ? null : Base64.getEncoder().encodeToString(kept);
        return new DeadLetter(source, id, type, attribute.apply("subject"), contentType,
                attribute.apply("knativeerrorcode"), attribute.apply("knativeerrordest"),
                attribute.apply("knativeerrordata"), text.orElse(null), base64, data.length, truncated, receivedAt);
    }

    /**
     * The bytes as text when they are UTF-8, else empty. Data cut at the cap may end inside a character: the decoder,
     * told that more input would follow, leaves that character's first bytes out instead of reporting them.
     */
    private static Optional<String> utf8(byte[] bytes, boolean cut) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder();
        CharBuffer text = CharBuffer.allocate(bytes.length);
        if (decoder.decode(ByteBuffer.wrap(bytes), text, !cut).isError()
                || !cut && decoder.flush(text).isError()) {
            return Optional.empty();
        }
        return Optional.of(text.flip().toString());
    }

    private static String required(Function<String, String> attribute, String name) {
        String value = attribute.apply(name);
        if (value == null || value.isBlank()) {
            throw new InvalidDeadLetterException("CloudEvent: missing required attribute " + name
                    + " (ce-" + name + " header in binary mode)");
        }
        return value;
    }
}
