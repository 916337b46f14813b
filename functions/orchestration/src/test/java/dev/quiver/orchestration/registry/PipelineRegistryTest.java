package dev.quiver.orchestration.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.quiver.orchestration.dispatch.ExecutorConsumers;
import dev.quiver.orchestration.pipeline.ExecutorKind;
import dev.quiver.orchestration.pipeline.PipelineParser;
import dev.quiver.orchestration.pipeline.PipelineSpec;
import dev.quiver.orchestration.runs.Pipelines;
import dev.quiver.orchestration.runs.RunRefusedException;
import dev.quiver.orchestration.store.EmbeddedDatabase;
import dev.quiver.orchestration.store.Migrations;
import dev.quiver.orchestration.store.Transactions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.Set;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The registry on the embedded database, H2 in PostgreSQL mode: what it registers and what it refuses. */
class PipelineRegistryTest {

    @TempDir
    Path folder;

    private final Transactions transactions = embedded();

    private static Transactions embedded() {
        DataSource h2 = EmbeddedDatabase.create("registry");
        Migrations.apply(h2);
        return new Transactions(h2);
    }

    private static final ExecutorConsumers EMBEDDED = new ExecutorConsumers(false, false, Set.of());
    /** With a sink, no broker executors and no Jobs: what the function runs itself. */
    private static final ExecutorConsumers DEPLOYED = new ExecutorConsumers(true, false, Set.of());

    private PipelineRegistry registry(Pipelines pipelines, Path folder) {
        return new PipelineRegistry(pipelines, transactions, folder, Clock.systemUTC(), EMBEDDED);
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
    void whereProcessStepsHaveNoConsumerAPipelineUsingThemIsRefusedNamingTheStepAndWhatIsAvailable()
            throws Exception {
        Files.writeString(folder.resolve("chain.yaml"), chain(1, "first"));
        Files.writeString(folder.resolve("remote.yaml"), """
                pipeline: remote
                version: 1
                steps:
                  - {name: notify, executor: function, params: {url: "http://example.com/"}}
                """);
        Pipelines pipelines = new Pipelines();
        new PipelineRegistry(pipelines, transactions, folder, Clock.systemUTC(), DEPLOYED);

        assertThat(pipelines.all()).extracting(PipelineSpec::name).containsExactly("remote");
        assertThat(DEPLOYED.problems(PipelineParser.parse("chain.yaml", chain(1, "first")))).containsExactly(
                "line 4, steps[0].executor: step \"first\" uses \"process\", which has no consumer here (its steps "
                        + "go to the broker (quiver.orchestration.sink is set) and "
                        + "quiver.orchestration.broker-executors does not name it); available: function, "
                        + "select-models, publish-model, aggregate-predictions");
    }

    @Test
    void jobStepsNeedTheJobExecutorOrABrokerConsumerAndProcessStepsOneOnTheBroker() {
        PipelineSpec job = PipelineParser.parse("job.yaml", """
                pipeline: job
                version: 1
                steps:
                  - {name: train, executor: kubernetes-job, params: {image: trainer}}
                """);
        assertThat(EMBEDDED.problems(job)).singleElement().asString()
                .contains("quiver.orchestration.kubernetes.enabled is false");
        assertThat(new ExecutorConsumers(false, true, Set.of()).problems(job)).isEmpty();
        assertThat(new ExecutorConsumers(true, true, Set.of()).problems(job)).isEmpty();
        assertThat(new ExecutorConsumers(true, false, Set.of(ExecutorKind.KUBERNETES_JOB)).problems(job)).isEmpty();
        assertThat(new ExecutorConsumers(true, false, Set.of(ExecutorKind.PROCESS)).available())
                .contains(ExecutorKind.PROCESS).doesNotContain(ExecutorKind.KUBERNETES_JOB);
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
