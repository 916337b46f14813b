package dev.quiver.inference.predict;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.quiver.inference.InferenceException;
import java.io.IOException;
import java.util.HashSet;
import java.util.Set;

/**
 * The body of {@code POST /predict} checked field by field before Funqy binds it, in one pass that allocates
 * nothing: what Funqy cannot bind it answers with a bare 400 after logging a stack trace, so a client could fill the
 * log; here every such body is a 400 that names its field, and nothing is logged.
 */
public final class PredictBody {

    private static final String FIELDS = "model, version, instances";

    private PredictBody() {
    }

    /** @param parser a parser over the whole body, before its first token */
    public static void check(JsonParser parser) throws IOException {
        if (parser.nextToken() != JsonToken.START_OBJECT) {
            throw InferenceException.invalidInput("request body: expected a JSON object {\"model\": name, "
                    + "\"version\": optional, \"instances\": [...]}");
        }
        Set<String> seen = new HashSet<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String field = parser.currentName();
            if (!seen.add(field)) {
                throw InferenceException.invalidInput(InferenceException.shown(field) + ": given twice; give each "
                        + "field once");
            }
            JsonToken value = parser.nextToken();
            switch (field) {
                case "model" -> {
                    if (value != JsonToken.VALUE_STRING) {
                        throw InferenceException.invalidInput("model: expected the model's name as a string");
                    }
                }
                case "version" -> {
                    if (value != JsonToken.VALUE_STRING && value != JsonToken.VALUE_NUMBER_INT
                            && value != JsonToken.VALUE_NULL) {
                        throw InferenceException.invalidInput("version: expected a version such as \"1\"");
                    }
                }
                case "instances" -> {
                    if (value == JsonToken.VALUE_NULL) {
                        throw InferenceException.invalidInput("instances: is required; one entry per item");
                    }
                    if (value != JsonToken.START_ARRAY) {
                        throw InferenceException.invalidInput("instances: expected a list with one entry per item");
                    }
                    parser.skipChildren();
                }
                default -> throw InferenceException.invalidInput(InferenceException.shown(field) + ": unknown field; a "
                        + "predict request has "
                        + FIELDS);
            }
        }
        if (parser.nextToken() != null) {
            throw InferenceException.invalidInput("request body: content after the JSON object");
        }
    }

    /** Any JSON object, as {@code POST /ping} takes. */
    public static void checkObject(JsonParser parser) throws IOException {
        if (parser.nextToken() != JsonToken.START_OBJECT) {
            throw InferenceException.invalidInput("request body: expected a JSON object");
        }
        parser.skipChildren();
        if (parser.nextToken() != null) {
            throw InferenceException.invalidInput("request body: content after the JSON object");
        }
    }
}
