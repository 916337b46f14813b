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
import dev.quiver.events.pipeline.StepPreempted;
import dev.quiver.orchestration.outbox.Outbox;
import dev.quiver.orchestration.pipeline.PipelineParser;
import dev.quiver.orchestration.pool.PoolStore;
import dev.quiver.orchestration.retry.RetryPolicies;
import dev.quiver.orchestration.runs.Pipelines;
import dev.quiver.orchestration.runs.RunCoordinator;
import dev.quiver.orchestration.store.Migrations;
import dev.quiver.orchestration.store.Transactions;
import dev.quiver.pool.PoolFileReader;
import dev.quiver.testservices.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A high-priority step that needs the room of a running low-priority {@code process} step, on a real PostgreSQL
 * server with real processes: the low one's process tree is killed, its attempt ends as preempted, and it waits in
 * the pool and runs again once the high one is done, without using up a retry.
 */
class ProcessPreemptionTest {

    private static final ObjectMapper JSON = JsonMapper.builder().addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).build();
    private static final Clock CLOCK = Clock.systemUTC();
    /** Attempt 1 runs until it is stopped, attempt 2 fails as a network error would, attempt 3 succeeds. */
    private static final String BACKFILL = """
            pipeline: backfill
            version: 1
            priority: low
            steps:
              - name: train
                executor: process
                resources: {cpu: 1}
                retry: {max-attempts: 2, backoff: {mode: exponential, initial: 1s}}
                params:
                  command: [sh, -c, 'case $QUIVER_ATTEMPT in 1) echo $$ > shell.pid; sleep 600 & echo $! > child.pid;
                    wait;; 2) echo ''{"error": "NetworkError"}''; exit 3;; esac']
            """;
    private static final String URGENT = """
            pipeline: urgent
            version: 1
            priority: high
            steps:
              - name: train
                executor: process
                resources: {cpu: 1}
                params: {command: [sh, -c, 'sleep 1']}
            """;

    @TempDir
    Path work;

    private TestPostgres.Schema schema;
    private Outbox outbox;
    private RunCoordinator coordinator;
    private ProcessExecutor processes;

    @BeforeEach
    void start() {
        schema = TestPostgres.shared().newSchema("quiver_preemption");
        Migrations.apply(schema.dataSource(), schema.name());
        Transactions transactions = new Transactions(schema.dataSource());
        outbox = new Outbox(transactions, new EventCodec(CLOCK), CLOCK);
        coordinator = new RunCoordinator(transactions, Pipelines.of(List.of(PipelineParser.parse("backfill.yaml",
                BACKFILL), PipelineParser.parse("urgent.yaml", URGENT))), outbox,
                RetryPolicies.configuredBy(Map.of()), JSON, CLOCK, new PoolStore(transactions,
                PoolFileReader.yaml("pool.yaml", """
                        queues:
                          training: {quota: {cpu: 1, memory: unlimited, gpu: unlimited}}
                        work: {default-queue: training}
                        """), JSON));
        StepReports reports = new StepReports(coordinator, new EventCodec(CLOCK));
        processes = new ProcessExecutor(reports, JSON, CLOCK, new AttemptFolders(work), Duration.ofMillis(200));
    }

    @AfterEach
    void dropSchema() {
        schema.close();
    }

    @Test
    void aRunningLowPriorityStepIsPreemptedAndResumesWithoutUsingUpItsRetries() throws Exception {
        String backfill = request("backfill");
        deliver();
        Path folder = work.resolve(backfill).resolve("train").resolve("attempt-1");
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(folder.resolve("child.pid"))
                && "RUNNING".equals(text("select state from step_instances where run_id = ?", backfill)));
        ProcessHandle shell = ProcessHandle.of(pid(folder.resolve("shell.pid"))).orElseThrow();
        ProcessHandle child = ProcessHandle.of(pid(folder.resolve("child.pid"))).orElseThrow();

        String urgent = request("urgent");
        assertThat(text("select state || ' ' || error_class from attempts where run_id = ?", backfill))
                .isEqualTo("PREEMPTED Preempted");
        assertThat(text("select state from step_instances where run_id = ?", backfill)).isEqualTo("QUEUED");
        assertThat(text("select state from step_instances where run_id = ?", urgent)).isEqualTo("DISPATCHED");
        deliver();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(shell.isAlive()).as("the preempted step's process").isFalse();
            assertThat(child.isAlive()).as("the process it started").isFalse();
        });

        await().atMost(Duration.ofSeconds(30)).until(() -> {
            deliver();
            return "SUCCEEDED".equals(text("select state from runs where id = ?", urgent))
                    && "RETRY_WAIT".equals(text("select state from step_instances where run_id = ?", backfill));
        });
        assertThat(text("select action from retry_decisions where run_id = ?", backfill))
                .as("attempt 2 failed, the first that counts of 2: retried").isEqualTo("RETRY");
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            coordinator.fireDue(CLOCK.instant(), Duration.ofMinutes(10));
            deliver();
            return "SUCCEEDED".equals(text("select state from runs where id = ?", backfill));
        });
        assertThat(text("select string_agg(attempt || ' ' || state, ', ' order by attempt) from attempts "
                + "where run_id = ?", backfill)).isEqualTo("1 PREEMPTED, 2 FAILED, 3 SUCCEEDED");
        assertThat(text("select count(*) from pool_workloads where status = 'FINISHED'", null))
                .as("the urgent step's; the backfill's attempts 1 and 2 (one workload, requeued); its retry's")
                .isEqualTo("3");
    }

    private String request(String pipeline) {
        return coordinator.requested("/tests", UUID.randomUUID().toString(), new RunRequested(pipeline, null,
                Map.of()));
    }

    /** Hands the outbox's steps to the process executor, as the relay's router does in embedded mode. */
    private void deliver() throws Exception {
        for (Outbox.Entry entry : outbox.claim("tests", CLOCK.instant().plusSeconds(60), 100)) {
            outbox.markSent("tests", entry);
            if (entry.type().equals(EventTypes.STEP_DISPATCHED)) {
                processes.start(JSON.readValue(entry.data(), StepDispatched.class));
            } else if (entry.type().equals(EventTypes.STEP_PREEMPTED)) {
                StepPreempted stopped = JSON.readValue(entry.data(), StepPreempted.class);
                processes.stop(stopped.runId(), stopped.instance(), stopped.attempt(), "preempted");
            }
        }
    }

    private static long pid(Path file) throws Exception {
        return Long.parseLong(Files.readString(file).trim());
    }

    private String text(String sql, String run) throws SQLException {
        try (Connection c = schema.dataSource().getConnection();
             PreparedStatement select = c.prepareStatement(sql)) {
            if (run != null) {
                select.setString(1, run);
            }
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? rows.getString(1) : null;
            }
        }
    }
}
