package dev.quiver.inference.predict;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import java.io.IOException;

/**
 * The {@code instances} of a predict request as the JSON text they arrived as, numbers included digit for digit, to
 * be decoded once the model is known. Text takes about the bytes the request took; a token buffer would hold an
 * object per number, some twenty times that, before a single value was checked.
 */
@JsonDeserialize(using = InstancesJson.Reader.class)
public record InstancesJson(byte[] json) {

    /** A parser over the instances, on their first token. */
    JsonParser parser(JsonFactory factory) throws IOException {
        JsonParser parser = factory.createParser(json);
        parser.nextToken();
        return parser;
    }

    static final class Reader extends JsonDeserializer<InstancesJson> {

        private static final JsonFactory TEXT = new JsonFactory();

        @Override
        public InstancesJson deserialize(JsonParser parser, DeserializationContext context) throws IOException {
            ByteArrayBuilder bytes = new ByteArrayBuilder();
            try (JsonGenerator copy = TEXT.createGenerator(bytes)) {
                copyValue(parser, copy);
            }
            return new InstancesJson(bytes.toByteArray());
        }

        @Override
        public InstancesJson getNullValue(DeserializationContext context) {
            return null;
        }

        private static void copyValue(JsonParser parser, JsonGenerator copy) throws IOException {
            int depth = 0;
            JsonToken token = parser.currentToken();
            do {
                switch (token) {
                    case START_ARRAY -> {
                        copy.writeStartArray();
                        depth++;
                    }
                    case START_OBJECT -> {
                        copy.writeStartObject();
                        depth++;
                    }
                    case END_ARRAY -> {
                        copy.writeEndArray();
                        depth--;
                    }
                    case END_OBJECT -> {
                        copy.writeEndObject();
                        depth--;
                    }
                    // the text of a number as sent: 1e400 stays 1e400, so that its decoding can refuse it
                    case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> copy.writeNumber(parser.getText());
                    default -> copy.copyCurrentEvent(parser);
                }
            } while (depth > 0 && (token = parser.nextToken()) != null);
        }
    }
}
