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
import dev.quiver.events.serving.DemandReported;
import dev.quiver.orchestration.outbox.Outbox;
import dev.quiver.orchestration.pipeline.PipelineParser;
import dev.quiver.orchestration.pool.PoolStore;
import dev.quiver.orchestration.retry.RetryPolicies;
import dev.quiver.orchestration.runs.Pipelines;
import dev.quiver.orchestration.runs.RunCoordinator;
import dev.quiver.orchestration.serving.ServingDemand;
import dev.quiver.orchestration.store.Migrations;
import dev.quiver.orchestration.store.Transactions;
import dev.quiver.pool.PoolFileReader;
import dev.quiver.pool.PoolSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Serving in the shared pool, with real processes: the inference function's queue keeps 2 cpu for its replicas
 * (nominal quota) and a training queue with no quota of its own borrows what serving leaves idle. A surge of
 * requests takes serving's room back, preempting the training step; the step resumes when the surge ends or the
 * replica stops reporting, and its one allowed attempt was never used up.
 */
abstract class ServingSurgeContract {

    private static final ObjectMapper JSON = JsonMapper.builder().addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).build();
    private static final Clock CLOCK = Clock.systemUTC();
    private static final PoolSpec POOL = PoolFileReader.yaml("pool.yaml", """
            cohorts:
              company: {}
            queues:
              serving:
                cohort: company
                quota: {cpu: 2}
              training:
                cohort: company
                quota: {cpu: 0, memory: unlimited, gpu: unlimited}
            work: {default-queue: training}
            serving:
              inference: {queue: serving, priority: high, replica: {cpu: 1}, concurrency: 4, expire-after: 30s}
            """);
    /**
     * Attempt 1 runs until it is stopped, its shell writing its pid only once its child runs, so that a test that has
     * seen the pid stops both; any later attempt succeeds. One attempt allowed: no retry to spend.
     */
    private static final String TRAINING = """
            pipeline: nightly
            version: 1
            priority: normal
            steps:
              - name: train
                executor: process
                resources: {cpu: 1}
                retry: {max-attempts: 1}
                params:
                  command: [sh, -c, 'if [ "$QUIVER_ATTEMPT" = 1 ]; then sleep 600 & echo $$ > shell.pid; wait; fi']
            """;

    @TempDir
    Path work;

    private Outbox outbox;
    private RunCoordinator coordinator;
    private ProcessExecutor processes;
    private ServingDemand serving;
    private ServingDemand aMinuteLater;

    abstract DataSource dataSource();

    abstract String schema();

    @BeforeEach
    void start() {
        Migrations.apply(dataSource(), schema());
        Transactions transactions = new Transactions(dataSource());
        outbox = new Outbox(transactions, new EventCodec(CLOCK), CLOCK);
        coordinator = new RunCoordinator(transactions, Pipelines.of(List.of(PipelineParser.parse("nightly.yaml",
                TRAINING))), outbox, RetryPolicies.configuredBy(Map.of()), JSON, CLOCK,
                new PoolStore(transactions, POOL, JSON));
        processes = new ProcessExecutor(new StepReports(coordinator, new EventCodec(CLOCK)), JSON, CLOCK,
                new AttemptFolders(work), Duration.ofMillis(200));
        serving = new ServingDemand(coordinator, POOL, JSON, CLOCK);
        aMinuteLater = new ServingDemand(coordinator, POOL, JSON, Clock.offset(CLOCK, Duration.ofMinutes(1)));
    }

    /** Whatever a test left running (it failed before its attempt was stopped) dies with it. */
    @AfterEach
    void stopAttempts() {
        processes.stop();
    }

    @Test
    void aServingSurgePreemptsTrainingWhichResumesAfterItWithoutUsingUpItsRetries() throws Exception {
        assertThat(serving.reported(report("replica-a", 1, 3))).isEqualTo(ServingDemand.Outcome.RECORDED);
        String run = request();
        deliver();
        Path folder = work.resolve(run).resolve("train").resolve("attempt-1");
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(folder.resolve("shell.pid"))
                && "RUNNING".equals(text("select state from step_instances where run_id = ?", run)));
        ProcessHandle shell = ProcessHandle.of(Long.parseLong(Files.readString(folder.resolve("shell.pid")).trim()))
                .orElseThrow();

        // 3 in flight and 5 waiting on a replica that serves 4 at once: 2 replicas' room, all of serving's quota
        assertThat(serving.reported(report("replica-a", 2, 3, 5))).isEqualTo(ServingDemand.Outcome.RECORDED);
        assertThat(text("select state || ' ' || error_class from attempts where run_id = ?", run))
                .isEqualTo("PREEMPTED Preempted");
        assertThat(text("select state from step_instances where run_id = ?", run)).isEqualTo("QUEUED");
        assertThat(admitted("serving")).isEqualTo("2");
        deliver();
        await().atMost(Duration.ofSeconds(10)).until(() -> !shell.isAlive());

        assertThat(serving.reported(report("replica-a", 1, 0))).as("an older report, delivered late")
                .isEqualTo(ServingDemand.Outcome.STALE);
        assertThat(serving.reported(report("replica-a", 2, 3, 5))).as("the surge's report, delivered again")
                .isEqualTo(ServingDemand.Outcome.STALE);
        assertThat(admitted("serving")).isEqualTo("2");
        assertThat(text("select state from step_instances where run_id = ?", run)).isEqualTo("QUEUED");

        assertThat(serving.reported(report("replica-a", 3, 2))).isEqualTo(ServingDemand.Outcome.RECORDED);
        assertThat(admitted("serving")).isEqualTo("1");
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            deliver();
            return "SUCCEEDED".equals(text("select state from runs where id = ?", run));
        });
        assertThat(text("select string_agg(attempt || ' ' || state, ', ' order by attempt) from attempts "
                + "where run_id = ?", run)).isEqualTo("1 PREEMPTED, 2 SUCCEEDED");
        assertThat(text("select count(*) from retry_decisions where run_id = ?", run))
                .as("a preemption is no failure: nothing to decide").isEqualTo("0");
    }

    @Test
    void aReplicaThatStopsReportingFreesItsRoomAndALateReportDoesNotTakeItBack() throws Exception {
        assertThat(serving.reported(report("replica-b", 7, 8))).isEqualTo(ServingDemand.Outcome.RECORDED);
        assertThat(serving.reported(new DemandReported("ocr", "replica-c", 1, CLOCK.instant(), List.of(
                new DemandReported.ModelDemand("text", 100, 0)), 25, Map.of())))
                .as("a function the pool file does not count").isEqualTo(ServingDemand.Outcome.NOT_IN_POOL);
        String run = request();
        deliver();
        assertThat(text("select state from step_instances where run_id = ?", run))
                .as("serving holds all of the cohort's cpu").isEqualTo("QUEUED");

        assertThat(serving.expire()).as("the replica reported just now").isZero();
        assertThat(aMinuteLater.expire()).as("30 s without a report").isEqualTo(1);
        assertThat(admitted("serving")).isEqualTo("0");
        assertThat(text("select state from step_instances where run_id = ?", run)).isEqualTo("DISPATCHED");
        assertThat(serving.reported(report("replica-b", 6, 8))).as("a report older than the replica's last")
                .isEqualTo(ServingDemand.Outcome.STALE);
        assertThat(admitted("serving")).isEqualTo("0");
        deliver();
        Path folder = work.resolve(run).resolve("train").resolve("attempt-1");
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(folder.resolve("shell.pid")));
        processes.stop(run, "train", 1, "preempted");
    }

    @Test
    void aSurgeBeyondTheReservationBorrowsWhatTheCohortHasIdleAndNoMore() throws Exception {
        PoolSpec pool = PoolFileReader.yaml("pool.yaml", """
                cohorts:
                  company: {}
                queues:
                  serving:
                    cohort: company
                    quota: {cpu: {nominal: 1, borrowing-limit: 2}}
                  spare:
                    cohort: company
                    quota: {cpu: 4}
                work: {default-queue: spare}
                serving:
                  inference: {queue: serving, priority: high, replica: {cpu: 1}, concurrency: 4}
                """);
        Transactions transactions = new Transactions(dataSource());
        RunCoordinator pooled = new RunCoordinator(transactions, Pipelines.of(List.of()), outbox,
                RetryPolicies.configuredBy(Map.of()), JSON, CLOCK, new PoolStore(transactions, pool, JSON));
        ServingDemand demand = new ServingDemand(pooled, pool, JSON, CLOCK);

        // 20 requests need 5 replicas; the queue may hold 1 of its own and borrow 2: a report asks for 3 at most
        assertThat(demand.reported(report("replica-d", 1, 4, 16))).isEqualTo(ServingDemand.Outcome.RECORDED);
        assertThat(admitted("serving")).isEqualTo("3");
        assertThat(text("select count(*) from pool_workloads where status = 'PENDING' and queue = ?", "serving"))
                .isEqualTo("0");
    }

    private DemandReported report(String replica, long sequence, int... inFlightThenQueued) {
        return new DemandReported("inference", replica, sequence, Instant.now(), List.of(
                new DemandReported.ModelDemand("digits", inFlightThenQueued[0],
                        inFlightThenQueued.length > 1 ? inFlightThenQueued[1] : 0)), 1, Map.of("cpu", "1"));
    }

    private String request() {
        return coordinator.requested("/tests", UUID.randomUUID().toString(), new RunRequested("nightly", null,
                Map.of()));
    }

    private String admitted(String queue) throws SQLException {
        return text("select count(*) from pool_workloads where status = 'ADMITTED' and queue = ?", queue);
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

    private String text(String sql, String parameter) throws SQLException {
        try (Connection c = dataSource().getConnection();
             PreparedStatement select = c.prepareStatement(sql)) {
            select.setString(1, parameter);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? rows.getString(1) : null;
            }
        }
    }
}
