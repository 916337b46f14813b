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

    /**
     * What a checked body names: the model and version as given (null when absent), and where the instances are in
     * the body, as byte offsets from the parser's first byte ({@code instancesStart} -1 when absent).
     */
    public record Fields(String model, String version, long instancesStart, long instancesEnd) {
    }

    /** @param parser a parser over the whole body, before its first token */
    public static Fields check(JsonParser parser) throws IOException {
        if (parser.nextToken() != JsonToken.START_OBJECT) {
            throw InferenceException.invalidInput("request body: expected a JSON object {\"model\": name, "
                    + "\"version\": optional, \"instances\": [...]}");
        }
        Set<String> seen = new HashSet<>();
        String model = null;
        String version = null;
        long instancesStart = -1;
        long instancesEnd = -1;
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
                    model = parser.getText();
                }
                case "version" -> {
                    if (value != JsonToken.VALUE_STRING && value != JsonToken.VALUE_NUMBER_INT
                            && value != JsonToken.VALUE_NULL) {
                        throw InferenceException.invalidInput("version: expected a version such as \"1\"");
                    }
                    version = value == JsonToken.VALUE_NULL ? null : parser.getText();
                }
                case "instances" -> {
                    if (value == JsonToken.VALUE_NULL) {
                        throw InferenceException.invalidInput("instances: is required; one entry per item");
                    }
                    if (value != JsonToken.START_ARRAY) {
                        throw InferenceException.invalidInput("instances: expected a list with one entry per item");
                    }
                    instancesStart = parser.currentTokenLocation().getByteOffset();
                    parser.skipChildren();
                    instancesEnd = parser.currentLocation().getByteOffset();
                }
                default -> throw InferenceException.invalidInput(InferenceException.shown(field) + ": unknown field; a "
                        + "predict request has "
                        + FIELDS);
            }
        }
        if (parser.nextToken() != null) {
            throw InferenceException.invalidInput("request body: content after the JSON object");
        }
        return new Fields(model, version, instancesStart, instancesEnd);
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
