package dev.quiver.orchestration.pipeline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The example pipelines the project ships, in the module's {@code pipelines} folder. */
public final class PipelineFiles {

    /** The folder, relative to the module, where the tests run. */
    public static final Path FOLDER = Path.of("pipelines").toAbsolutePath();

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
}
