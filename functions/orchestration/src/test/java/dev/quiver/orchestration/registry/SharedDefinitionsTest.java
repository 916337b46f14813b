package dev.quiver.orchestration.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.quiver.events.EventCodec;
import dev.quiver.events.pipeline.RunRequested;
import dev.quiver.orchestration.dispatch.ExecutorConsumers;
import dev.quiver.orchestration.outbox.Outbox;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two replicas, each with its own registry and pipeline folder, on one real PostgreSQL database: a version registered
 * on one over the API is run by the other at once, "the latest" is the same on both, and of two replicas registering
 * one version with different content at the same instant one wins and both agree on it.
 */
class SharedDefinitionsTest {

    private static final ObjectMapper JSON = JsonMapper.builder().addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).build();
    private static final Clock CLOCK = Clock.systemUTC();
    private static final ExecutorConsumers JOBS = new ExecutorConsumers(true, true, Set.of());

    @TempDir
    Path folder;

    private TestPostgres.Schema schema;
    private Transactions transactions;

    @BeforeEach
    void migrate() {
        schema = TestPostgres.shared().newSchema("quiver_shared_definitions");
        Migrations.apply(schema.dataSource(), schema.name());
        transactions = new Transactions(schema.dataSource());
    }

    @AfterEach
    void dropSchema() {
        schema.close();
    }

    private record Replica(Pipelines pipelines, PipelineRegistry registry, RunCoordinator coordinator) {
    }

    private Replica replica(String name) throws Exception {
        Pipelines pipelines = new Pipelines();
        PipelineRegistry registry = new PipelineRegistry(pipelines, transactions,
                Files.createDirectories(folder.resolve(name)), CLOCK, JOBS);
        return new Replica(pipelines, registry, new RunCoordinator(transactions, pipelines, new Outbox(transactions,
                new EventCodec(CLOCK), CLOCK), RetryPolicies.configuredBy(Map.of()), JSON, CLOCK));
    }

    @Test
    void aVersionPutOnOneReplicaIsTheLatestOnTheOtherAtOnceAndItsRunsRecordIt() throws Exception {
        Replica a = replica("a");
        Replica b = replica("b");

        PipelineRegistry.Registration first = a.registry().put("chain", chain(1, "first"), "ops");
        assertThat(first.created()).isTrue();
        assertThat(first.version().registeredBy()).isEqualTo("ops");
        String runOne = b.coordinator().requested("/tests", UUID.randomUUID().toString(),
                new RunRequested("chain", null, Map.of()));

        a.registry().put("chain", chain(2, "prepare"), "ops");
        String runTwo = b.coordinator().requested("/tests", UUID.randomUUID().toString(),
                new RunRequested("chain", null, Map.of()));

        assertThat(runVersion(runOne)).isEqualTo(1);
        assertThat(runVersion(runTwo)).as("b runs the version a registered, without waiting for a scan").isEqualTo(2);
        assertThat(b.pipelines().graph("chain", Optional.of(1)).spec().steps()).extracting(StepSpec::name)
                .containsExactly("first", "report");
        assertThat(b.registry().versions()).extracting(PipelineRegistry.Version::version).containsExactly(1, 2);
        assertThat(a.registry().put("chain", chain(2, "prepare"), "someone-else").created())
                .as("the same text again changes nothing").isFalse();
    }

    @Test
    void twoReplicasPuttingOneVersionWithDifferentContentAtOnceAgreeOnOne() throws Exception {
        for (int round = 1; round <= 5; round++) {
            Replica a = replica("a" + round);
            Replica b = replica("b" + round);
            String pipeline = "race-" + round;
            CountDownLatch start = new CountDownLatch(1);
            ExecutorService threads = Executors.newFixedThreadPool(2);
            List<Future<String>> outcomes = new ArrayList<>();
            for (var entry : Map.of(a, "left", b, "right").entrySet()) {
                Callable<String> put = () -> {
                    start.await();
                    try {
                        entry.getKey().registry().put(pipeline, race(pipeline, entry.getValue()), entry.getValue());
                        return "registered";
                    } catch (PipelineRefusedException e) {
                        return e.status() + "";
                    }
                };
                outcomes.add(threads.submit(put));
            }
            start.countDown();
            List<String> results = new ArrayList<>();
            for (Future<String> outcome : outcomes) {
                results.add(outcome.get());
            }
            threads.shutdown();

            assertThat(results).containsExactlyInAnyOrder("registered", "409");
            String onA = a.pipelines().graph(pipeline, Optional.of(1)).spec().steps().getFirst().name();
            String onB = b.pipelines().graph(pipeline, Optional.of(1)).spec().steps().getFirst().name();
            assertThat(onA).as("round %d", round).isEqualTo(onB);
        }
    }

    @Test
    void whatCannotBeRegisteredIsRefusedWithEveryProblem() throws Exception {
        Replica a = replica("a");

        assertThatThrownBy(() -> a.registry().put("other", chain(1, "first"), "ops"))
                .isInstanceOf(PipelineRefusedException.class).hasMessageContaining("the definition is of pipeline "
                        + "\"chain\", put at /pipelines/other");
        assertThatThrownBy(() -> a.registry().put("chain", "pipeline: chain\nversion: 1\nsteps:\n"
                + "  - {name: a, executor: kubernetes-job, depends: [b]}\n", "ops"))
                .isInstanceOf(PipelineRefusedException.class).hasMessageContaining("line 4")
                .hasMessageContaining("unknown step \"b\"")
                .satisfies(e -> assertThat(((PipelineRefusedException) e).status()).isEqualTo(400));
        assertThatThrownBy(() -> a.registry().put("chain", "pipeline: chain\nversion: 1\nsteps:\n"
                + "  - {name: a, executor: process}\n", "ops"))
                .isInstanceOf(PipelineRefusedException.class).hasMessageContaining("step \"a\" uses \"process\"");
        assertThat(a.registry().versions()).isEmpty();
    }

    private static String chain(int version, String firstStep) {
        return """
                pipeline: chain
                version: %d
                steps:
                  - {name: %s, executor: kubernetes-job}
                  - {name: report, executor: kubernetes-job, depends: [%s]}
                """.formatted(version, firstStep, firstStep);
    }

    private static String race(String pipeline, String step) {
        return "pipeline: " + pipeline + "\nversion: 1\nsteps:\n  - {name: " + step + ", executor: kubernetes-job}\n";
    }

    private int runVersion(String run) throws SQLException {
        try (Connection c = schema.dataSource().getConnection();
             PreparedStatement select = c.prepareStatement("select pipeline_version from runs where id = ?")) {
            select.setString(1, run);
            try (ResultSet rows = select.executeQuery()) {
                rows.next();
                return rows.getInt(1);
            }
        }
    }
}
