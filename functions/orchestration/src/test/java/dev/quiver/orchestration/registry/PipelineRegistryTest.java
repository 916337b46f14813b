package dev.quiver.orchestration.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.quiver.orchestration.pipeline.PipelineSpec;
import dev.quiver.orchestration.runs.Pipelines;
import dev.quiver.orchestration.runs.RunRefusedException;
import dev.quiver.orchestration.store.EmbeddedDatabase;
import dev.quiver.orchestration.store.Transactions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The registry on the embedded database, H2 in PostgreSQL mode: what it registers and what it refuses. */
class PipelineRegistryTest {

    @TempDir
    Path folder;

    private final Transactions transactions = embedded();

    private static Transactions embedded() {
        DataSource h2 = EmbeddedDatabase.create("registry");
        Flyway.configure().dataSource(h2).locations("classpath:db/migration").load().migrate();
        return new Transactions(h2);
    }

    private PipelineRegistry registry(Pipelines pipelines, Path folder) {
        return new PipelineRegistry(pipelines, transactions, folder, Clock.systemUTC());
    }

    @Test
    void validFilesAreRegisteredAndAChangedVersionMustRaiseItsNumber() throws Exception {
        Files.writeString(folder.resolve("chain.yaml"), chain(1, "first"));
        Files.writeString(folder.resolve("broken.yml"), "pipeline: broken\nversion: 1\nsteps: []\n");
        Files.writeString(folder.resolve("notes.txt"), "not a pipeline");
        Pipelines pipelines = new Pipelines();
        PipelineRegistry registry = registry(pipelines, folder);
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
        registry(pipelines, folder.resolve("nowhere"));
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
