package dev.quiver.orchestration.executors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.quiver.events.EventCodec;
import dev.quiver.events.EventTypes;
import dev.quiver.events.pipeline.RunRequested;
import dev.quiver.events.pipeline.StepDispatched;
import dev.quiver.orchestration.outbox.Outbox;
import dev.quiver.orchestration.pipeline.PipelineParser;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The function stopping (Ctrl-C, a shutdown) while a {@code process} step runs, on a real PostgreSQL server (the
 * tests' own, {@link TestPostgres}) with real processes: the step's process tree stops with the function, and the
 * attempt is recorded as interrupted, not failed, and runs again on the next start.
 */
class ProcessShutdownTest {

    private static final ObjectMapper JSON = JsonMapper.builder().addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).build();
    private static final Clock CLOCK = Clock.systemUTC();
    private static final String PIPELINE = """
            pipeline: long-step
            version: 1
            steps:
              - name: train
                executor: process
                params:
                  command: [sh, -c, 'echo $$ > shell.pid; sleep 600 & echo $! > child.pid; wait']
            """;

    @TempDir
    Path work;

    private TestPostgres.Schema schema;
    private Transactions transactions;
    private Outbox outbox;

    @BeforeEach
    void migrate() {
        schema = TestPostgres.shared().newSchema("quiver_shutdown");
        Migrations.apply(schema.dataSource(), schema.name());
        transactions = new Transactions(schema.dataSource());
        outbox = new Outbox(transactions, new EventCodec(CLOCK), CLOCK);
    }

    @AfterEach
    void dropSchema() {
        schema.close();
    }

    private RunCoordinator coordinator() {
        return new RunCoordinator(transactions, Pipelines.of(List.of(PipelineParser.parse("long-step.yaml",
                PIPELINE))), outbox, RetryPolicies.configuredBy(Map.of()), JSON, CLOCK);
    }

    @Test
    void aStepRunningWhenTheFunctionStopsIsStoppedWithItAndRunsAgainOnTheNextStart() throws Exception {
        RunCoordinator coordinator = coordinator();
        String run = coordinator.requested("/tests", UUID.randomUUID().toString(),
                new RunRequested("long-step", null, Map.of()));
        StepDispatched step = dispatched(run).getFirst();
        ProcessExecutor processes = new ProcessExecutor(new StepReports(coordinator, new EventCodec(CLOCK)), JSON, CLOCK,
                new AttemptFolders(work), Duration.ofMillis(200));
        processes.start(step);
        Path folder = new AttemptFolders(work).create(step);
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(folder.resolve("child.pid"))
                && "RUNNING".equals(state("select state from step_instances where run_id = ?", run)));
        ProcessHandle shell = ProcessHandle.of(pid(folder.resolve("shell.pid"))).orElseThrow();
        ProcessHandle child = ProcessHandle.of(pid(folder.resolve("child.pid"))).orElseThrow();

        processes.stop();

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(shell.isAlive()).as("the step's process").isFalse();
            assertThat(child.isAlive()).as("the process it started").isFalse();
        });
        assertThat(state("select state || ' ' || error_class from attempts where run_id = ?", run))
                .isEqualTo("INTERRUPTED Interrupted");
        assertThat(state("select state from step_instances where run_id = ?", run)).isEqualTo("RETRY_WAIT");
        assertThat(state("select count(*) from retry_decisions where run_id = ?", run))
                .as("no failure for the retry decision to weigh").isEqualTo("0");

        RunCoordinator restarted = coordinator();
        assertThat(restarted.fireDue(CLOCK.instant(), Duration.ofMinutes(10))).isEqualTo(1);
        assertThat(dispatched(run)).extracting(StepDispatched::attempt).containsExactly(2);
    }

    private List<StepDispatched> dispatched(String run) throws Exception {
        List<StepDispatched> steps = new ArrayList<>();
        List<Outbox.Entry> others = new ArrayList<>();
        for (Outbox.Entry entry : outbox.claim("tests", CLOCK.instant().plusSeconds(60), 100)) {
            if (entry.runId().equals(run) && entry.type().equals(EventTypes.STEP_DISPATCHED)) {
                steps.add(JSON.readValue(entry.data(), StepDispatched.class));
                outbox.markSent("tests", entry);
            } else {
                others.add(entry);
            }
        }
        outbox.release("tests", others);
        return steps;
    }

    private static long pid(Path file) throws Exception {
        return Long.parseLong(Files.readString(file).trim());
    }

    private String state(String sql, String run) throws SQLException {
        try (Connection c = schema.dataSource().getConnection();
             PreparedStatement select = c.prepareStatement(sql)) {
            select.setString(1, run);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? rows.getString(1) : null;
            }
        }
    }
}
