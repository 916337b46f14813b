package dev.quiver.orchestration.pipeline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The tests' pipelines, and the folder of the example pipelines the project ships. */
public final class PipelineFiles {

    /** The tests' pipelines (test resources). */
    public static final Path FOLDER = Path.of("src/test/resources/pipelines").toAbsolutePath();

    /** The pipelines the project ships with the function. */
    public static final Path SHIPPED = Path.of("pipelines").toAbsolutePath();

    private PipelineFiles() {
    }

    public static String text(String name) {
        try {
            return Files.readString(FOLDER.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static PipelineSpec modelSelection() {
        return PipelineParser.parse("model-selection.yaml", text("model-selection.yaml"));
    }

    public static PipelineSpec retries() {
        return PipelineParser.parse("retries.yaml", text("retries.yaml"));
    }
}
