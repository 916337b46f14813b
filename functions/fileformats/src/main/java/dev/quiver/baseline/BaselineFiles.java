package dev.quiver.baseline;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Reads and writes {@code baseline.json}. Unknown fields are ignored, so that a reader of an older Quiver (which may
 * read only {@code trained_at}) takes a newer file; a file that breaks a rule of the format is an
 * {@link IOException} naming the field.
 */
public final class BaselineFiles {

    private static final ObjectMapper JSON = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .disable(SerializationFeature.INDENT_OUTPUT)
            .build();

    private BaselineFiles() {
    }

    public static TrainingBaseline read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString());
        }
    }

    public static TrainingBaseline read(InputStream in, String origin) throws IOException {
        try {
            return JSON.readValue(in, TrainingBaseline.class);
        } catch (IOException e) {
            Throwable cause = e.getCause() instanceof IllegalArgumentException rule ? rule : e;
            throw new IOException(origin + ": " + cause.getMessage().lines().findFirst().orElse("unreadable"), e);
        }
    }

    public static byte[] toJson(TrainingBaseline baseline) throws IOException {
        return JSON.writeValueAsBytes(baseline);
    }

    /** Writes atomically: a reader of {@code target} never sees a partial file. */
    public static void write(TrainingBaseline baseline, Path target) throws IOException {
        Path directory = target.toAbsolutePath().getParent();
        Files.createDirectories(directory);
        Path temporary = Files.createTempFile(directory, ".baseline-", ".json.tmp");
        try {
            Files.write(temporary, toJson(baseline));
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }
}
