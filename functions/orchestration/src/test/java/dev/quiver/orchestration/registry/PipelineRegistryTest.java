package dev.quiver.orchestration.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.quiver.orchestration.pipeline.PipelineSpec;
import dev.quiver.orchestration.runs.Pipelines;
import dev.quiver.orchestration.runs.RunRefusedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipelineRegistryTest {

    @TempDir
    Path folder;

    @Test
    void validFilesAreRegisteredAndAChangedVersionMustRaiseItsNumber() throws Exception {
        Files.writeString(folder.resolve("chain.yaml"), chain(1, "first"));
        Files.writeString(folder.resolve("broken.yml"), "pipeline: broken\nversion: 1\nsteps: []\n");
        Files.writeString(folder.resolve("notes.txt"), "not a pipeline");
        Pipelines pipelines = new Pipelines();
        PipelineRegistry registry = new PipelineRegistry(pipelines, folder);
        assertThat(pipelines.all()).extracting(PipelineSpec::name, PipelineSpec::version)
                .containsExactly(tuple("chain", 1));

        Files.writeString(folder.resolve("chain.yaml"), chain(1, "renamed"));
        registry.scan();
        assertThat(pipelines.graph("chain", Optional.of(1)).spec().steps().getFirst().name())
                .as("version 1 keeps the definition it was registered with").isEqualTo("first");

        Files.writeString(folder.resolve("chain.yaml"), chain(2, "renamed"));
        registry.scan();
        assertThat(pipelines.graph("chain", Optional.empty()).spec().version()).isEqualTo(2);
        assertThat(pipelines.graph("chain", Optional.of(1)).spec().steps().getFirst().name()).isEqualTo("first");
        assertThatThrownBy(() -> pipelines.graph("broken", Optional.empty())).isInstanceOf(RunRefusedException.class);
    }

    @Test
    void aMissingFolderRegistersNothing() {
        Pipelines pipelines = new Pipelines();
        new PipelineRegistry(pipelines, folder.resolve("nowhere"));
        assertThat(pipelines.all()).isEmpty();
    }

    private static String chain(int version, String firstStep) {
        return """
                pipeline: chain
                version: %d
                steps:
                  - {name: %s, executor: process}
                """.formatted(version, firstStep);
    }
}
