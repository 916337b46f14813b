package dev.quiver.orchestration.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.quiver.events.EventCodec;
import dev.quiver.events.pipeline.RunRequested;
import dev.quiver.events.pipeline.StepCompleted;
import dev.quiver.orchestration.dispatch.ExecutorConsumers;
import dev.quiver.orchestration.outbox.Outbox;
import dev.quiver.orchestration.pipeline.PipelineSpec;
import dev.quiver.orchestration.pipeline.StepSpec;
import dev.quiver.orchestration.retry.RetryPolicies;
import dev.quiver.orchestration.runs.Pipelines;
import dev.quiver.orchestration.runs.RunCoordinator;
import dev.quiver.orchestration.store.Migrations;
import dev.quiver.orchestration.store.Transactions;
import dev.quiver.testservices.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pipeline definitions across restarts, on a real PostgreSQL server (the tests' own, {@link TestPostgres}): a file
 * edited while the function was down without raising its version is refused, and a run started before finishes on the
 * definition it started with, also once its file is gone.
 */
class PostgresPipelineRestartTest {

    private static final ObjectMapper JSON = JsonMapper.builder().addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).build();
    private static final Clock CLOCK = Clock.systemUTC();

    @TempDir
    Path folder;

    private TestPostgres.Schema schema;
    private Transactions transactions;

    @BeforeEach
    void migrate() {
        schema = TestPostgres.shared().newSchema("quiver_definitions");
        Migrations.apply(schema.dataSource(), schema.name());
        transactions = new Transactions(schema.dataSource());
    }

    @AfterEach
    void dropSchema() {
        schema.close();
    }

    /** The function as it starts: the pipelines it registers, and the coordinator that acts on them. */
    private record Started(Pipelines pipelines, RunCoordinator coordinator) {
    }

    private Started start() {
        Pipelines pipelines = new Pipelines();
        new PipelineRegistry(pipelines, transactions, folder, CLOCK, new ExecutorConsumers(false, true, Set.of()));
        return new Started(pipelines, new RunCoordinator(transactions, pipelines, new Outbox(transactions,
                new EventCodec(CLOCK), CLOCK), RetryPolicies.configuredBy(Map.of()), JSON, CLOCK));
    }

    @Test
    void aRunStartedBeforeARestartFinishesOnItsDefinitionWhenTheFileChangedWithoutANewVersion() throws Exception {
        Files.writeString(folder.resolve("chain.yaml"), chain(1, "first", "second"));
        Started before = start();
        String run = before.coordinator().requested("/tests", UUID.randomUUID().toString(),
                new RunRequested("chain", null, Map.of()));

        Files.writeString(folder.resolve("chain.yaml"), chain(1, "prepare", "train"));
        Started after = start();
        assertThat(steps(after.pipelines().graph("chain", Optional.of(1)).spec()))
                .as("the edited file kept version 1: refused").containsExactly("first", "second");
        after.coordinator().completed("/executors/test", UUID.randomUUID().toString(), completion(run, "first"));
        after.coordinator().completed("/executors/test", UUID.randomUUID().toString(), completion(run, "second"));
        assertThat(runState(run)).isEqualTo("SUCCEEDED");

        Files.writeString(folder.resolve("chain.yaml"), chain(2, "prepare", "train"));
        Started raised = start();
        assertThat(steps(raised.pipelines().graph("chain", Optional.empty()).spec()))
                .as("a raised version registers the change").containsExactly("prepare", "train");
        assertThat(steps(raised.pipelines().graph("chain", Optional.of(1)).spec())).containsExactly("first", "second");

        String late = raised.coordinator().requested("/tests", UUID.randomUUID().toString(),
                new RunRequested("chain", 2, Map.of()));
        Files.delete(folder.resolve("chain.yaml"));
        Started withoutFile = start();
        withoutFile.coordinator().completed("/executors/test", UUID.randomUUID().toString(), completion(late,
                "prepare"));
        withoutFile.coordinator().completed("/executors/test", UUID.randomUUID().toString(), completion(late,
                "train"));
        assertThat(runState(late)).as("the definition outlives its file").isEqualTo("SUCCEEDED");
    }

    @Test
    void twoReplicasReadingDifferentFilesForOneVersionKeepTheFirstStored() throws Exception {
        Path other = Files.createDirectory(folder.resolve("other-replica"));
        Files.writeString(folder.resolve("chain.yaml"), chain(1, "first", "second"));
        Files.writeString(other.resolve("chain.yaml"), chain(1, "prepare", "train"));
        Started first = start();
        Pipelines otherPipelines = new Pipelines();
        new PipelineRegistry(otherPipelines, transactions, other, CLOCK, new ExecutorConsumers(false, true, Set.of()));
        assertThat(steps(otherPipelines.graph("chain", Optional.of(1)).spec())).containsExactly("first", "second");
        assertThat(steps(first.pipelines().graph("chain", Optional.of(1)).spec())).containsExactly("first", "second");
    }

    private static List<String> steps(PipelineSpec spec) {
        return spec.steps().stream().map(StepSpec::name).toList();
    }

    private static StepCompleted completion(String run, String instance) {
        return new StepCompleted(run, instance, 1, Map.of(), Map.of(), List.of());
    }

    private static String chain(int version, String first, String second) {
        return """
                pipeline: chain
                version: %d
                steps:
                  - {name: %s, executor: kubernetes-job}
                  - {name: %s, executor: kubernetes-job, depends: [%s]}
                """.formatted(version, first, second, first);
    }

    private String runState(String run) throws SQLException {
        try (Connection c = schema.dataSource().getConnection();
             PreparedStatement select = c.prepareStatement("select state from runs where id = ?")) {
            select.setString(1, run);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? rows.getString(1) : null;
            }
        }
    }
}
