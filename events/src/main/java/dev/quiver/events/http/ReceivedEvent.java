package dev.quiver.events.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.quiver.events.InvalidEventException;
import dev.quiver.events.JsonMediaType;
import io.cloudevents.CloudEvent;
import io.cloudevents.CloudEventData;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.cloudevents.jackson.JsonCloudEventData;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A CloudEvent as it arrived, and the mode it arrived in (an answer goes back in the same mode).
 *
 * @param event the event; once {@link #requireJsonData()} has passed, its data (if any) is a {@link
 *              JsonCloudEventData}, parsed once
 * @param mode  binary or structured
 */
public record ReceivedEvent(CloudEvent event, CloudEventHttp.Mode mode) {

    /** Duplicate keys and anything after the value are refused rather than dropped silently. */
    private static final JsonMapper DATA = JsonMapper.builder().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

    /**
     * The event with its data read as JSON, or as it is when it has none: every Quiver payload is JSON, so data of
     * another media type, data without one, or data that does not parse can never be handled.
     *
     * @throws InvalidEventException naming {@code Content-Type} (binary mode), {@code datacontenttype} or
     *                               {@code data_base64} (structured mode), or {@code data}
     */
    public ReceivedEvent requireJsonData() {
        CloudEventData data = event.getData();
        if (data == null) {
            return this;
        }
        String contentType = event.getDataContentType();
        boolean binary = mode == CloudEventHttp.Mode.BINARY;
        // in structured mode, data given as a JSON value without a datacontenttype is JSON by the format's rule
        boolean jsonValue = data instanceof JsonCloudEventData;
        if (!JsonMediaType.matches(contentType) && !(contentType == null && jsonValue)) {
            String field = binary ? "Content-Type" : "datacontenttype";
            throw new InvalidEventException(field + ": expected application/json for the event's data, got "
                    + (contentType == null ? "none" : contentType));
        }
        if (jsonValue) {
            return this;
        }
        // a structured event's data that is JSON arrives parsed; bytes here came from data_base64
        String field = binary ? "data" : "data_base64";
        JsonNode tree;
        try {
            tree = DATA.readTree(data.toBytes());
        } catch (JsonProcessingException e) {
            throw new InvalidEventException(field + ": not valid JSON (" + e.getOriginalMessage() + ")");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (tree == null || tree.isMissingNode()) {
            throw new InvalidEventException(field + ": not valid JSON (no value)");
        }
        return new ReceivedEvent(CloudEventBuilder.from(event).withData(JsonCloudEventData.wrap(tree)).build(), mode);
    }

    /** The data as JSON once {@link #requireJsonData()} has passed; null for an event without data. */
    public JsonNode data() {
        return event.getData() instanceof JsonCloudEventData json ? json.getNode() : null;
    }
}
