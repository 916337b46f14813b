package dev.quiver.orchestration.pipeline;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The example pipelines under test resources. */
public final class PipelineFiles {

    private PipelineFiles() {
    }

    public static String text(String name) {
        try (InputStream in = PipelineFiles.class.getResourceAsStream("/pipelines/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no test pipeline " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static PipelineSpec modelSelection() {
        return PipelineParser.parse("model-selection.yaml", text("model-selection.yaml"));
    }
}
