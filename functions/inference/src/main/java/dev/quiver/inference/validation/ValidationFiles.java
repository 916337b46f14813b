package dev.quiver.inference.validation;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/** Reads a version's {@code validation/validation.json}; a file that is there but unreadable refuses the version. */
public final class ValidationFiles {

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .addModule(new SimpleModule().addDeserializer(ValidationSpec.LatencyLimit.class, new LatencyReader()))
            .build();

    private ValidationFiles() {
    }

    /** @return the spec beside {@code modelFile}, or empty when the version has no {@code validation/} folder */
    public static Optional<ValidationSpec> read(Path modelFile) throws InvalidValidationException {
        Path file = modelFile.resolveSibling(ValidationSpec.FILE);
        if (!Files.isDirectory(file.getParent())) {
            return Optional.empty();
        }
        if (!Files.isRegularFile(file)) {
            throw new InvalidValidationException(ValidationSpec.FILE + ": the validation/ folder has no "
                    + file.getFileName());
        }
        try {
            return Optional.of(JSON.readValue(file.toFile(), ValidationSpec.class));
        } catch (IOException e) {
            throw new InvalidValidationException(ValidationSpec.FILE + ": " + e.getMessage().lines().findFirst()
                    .orElse("unreadable"));
        }
    }

    /** A number for both batch sizes, or an object with {@code batch_1} and {@code max_batch}. */
    private static final class LatencyReader extends StdDeserializer<ValidationSpec.LatencyLimit> {

        LatencyReader() {
            super(ValidationSpec.LatencyLimit.class);
        }

        @Override
        public ValidationSpec.LatencyLimit deserialize(JsonParser parser, DeserializationContext context)
                throws IOException {
            JsonNode node = parser.readValueAsTree();
            if (node.isNumber()) {
                return new ValidationSpec.LatencyLimit(node.asDouble(), node.asDouble());
            }
            if (node.isObject()) {
                for (Map.Entry<String, JsonNode> field : node.properties()) {
                    String name = field.getKey();
                    if (!name.equals("batch_1") && !name.equals("max_batch")) {
                        throw context.weirdStringException(name, ValidationSpec.LatencyLimit.class,
                                "max_latency_ms has batch_1 and max_batch");
                    }
                }
                return new ValidationSpec.LatencyLimit(node.hasNonNull("batch_1") ? node.get("batch_1").asDouble()
                        : null, node.hasNonNull("max_batch") ? node.get("max_batch").asDouble() : null);
            }
            throw context.weirdStringException(node.toString(), ValidationSpec.LatencyLimit.class,
                    "max_latency_ms: expected milliseconds, or {batch_1, max_batch}");
        }
    }
}
