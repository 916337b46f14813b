package dev.quiver.orchestration.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.quiver.events.EventCodec;
import dev.quiver.events.pipeline.StepCompleted;
import dev.quiver.orchestration.outbox.Outbox;
import dev.quiver.orchestration.pipeline.PipelineParser;
import dev.quiver.orchestration.retry.RetryPolicies;
import dev.quiver.orchestration.runs.Pipelines;
import dev.quiver.orchestration.runs.RunCoordinator;
import dev.quiver.orchestration.store.Migrations;
import dev.quiver.orchestration.store.Transactions;
import dev.quiver.testservices.SettableClock;
import dev.quiver.testservices.TestPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Schedules on a real PostgreSQL database shared by two replicas (each with its own coordinator and schedules), with
 * a clock the test moves: due intervals start once, the catch-up policy and max-active-runs hold, the interval is
 * the run's parameters in the schedule's time zone, and a backfill is one request.
 */
class SchedulesTest {

    private static final ObjectMapper JSON = JsonMapper.builder().addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).build();

    private final SettableClock clock = new SettableClock(Instant.parse("2026-12-01T10:30:00Z"));
    private TestPostgres.Schema schema;
    private Transactions transactions;

    @BeforeEach
    void migrate() {
        schema = TestPostgres.shared().newSchema("quiver_schedules");
        Migrations.apply(schema.dataSource(), schema.name());
        transactions = new Transactions(schema.dataSource());
    }

    @AfterEach
    void dropSchema() {
        schema.close();
    }

    private record Replica(RunCoordinator coordinator, Schedules schedules) {
    }

    private Replica replica(String pipeline) {
        Pipelines pipelines = Pipelines.of(List.of(PipelineParser.parse("scheduled.yaml", pipeline)));
        RunCoordinator coordinator = new RunCoordinator(transactions, pipelines, new Outbox(transactions,
                new EventCodec(clock), clock), RetryPolicies.configuredBy(Map.of()), JSON, clock);
        return new Replica(coordinator, new Schedules(transactions, pipelines, coordinator, clock));
    }

    @Test
    void aDueIntervalStartsOneRunWhicheverReplicaTicksWithTheIntervalAsParameters() throws Exception {
        String hourly = pipeline("0 * * * *", "UTC", "latest", 1);
        Replica a = replica(hourly);
        Replica b = replica(hourly);
        assertThat(a.schedules().tick()).as("nothing ended since the schedule was first seen").isZero();

        clock.set(Instant.parse("2026-12-01T11:00:00Z"));
        for (int round = 0; round < 3; round++) {
            tickTogether(a, b);
        }

        assertThat(runs()).singleElement().satisfies(run -> assertThat(run.parameters())
                .isEqualTo("{\"interval-end\":\"2026-12-01T11:00Z\",\"interval-start\":\"2026-12-01T10:00Z\"}"));
    }

    @Test
    void missedIntervalsRunAllInOrderWithinMaxActiveRunsOrOnlyTheLatest() throws Exception {
        Replica all = replica(pipeline("0 * * * *", "UTC", "all", 2));
        all.schedules().tick();
        clock.set(Instant.parse("2026-12-01T14:00:00Z"));

        assertThat(all.schedules().tick()).isEqualTo(2);
        assertThat(runs()).extracting(Run::start).containsExactly("2026-12-01T10:00Z", "2026-12-01T11:00Z");
        assertThat(all.schedules().tick()).as("two runs are active").isZero();
        finish(all, runs().getFirst().id());
        assertThat(all.schedules().tick()).isEqualTo(1);
        assertThat(runs()).extracting(Run::start).containsExactly("2026-12-01T10:00Z", "2026-12-01T11:00Z",
                "2026-12-01T12:00Z");
    }

    @Test
    void withCatchUpLatestOnlyTheLatestMissedIntervalRuns() throws Exception {
        Replica latest = replica(pipeline("0 * * * *", "UTC", "latest", 3));
        latest.schedules().tick();
        clock.set(Instant.parse("2026-12-01T14:00:00Z"));

        assertThat(latest.schedules().tick()).isEqualTo(1);
        assertThat(runs()).extracting(Run::start).containsExactly("2026-12-01T13:00Z");
    }

    @Test
    void theIntervalIsInTheSchedulesTimeZone() throws Exception {
        Replica paris = replica(pipeline("0 2 * * *", "Europe/Paris", "latest", 1));
        paris.schedules().tick();
        clock.set(Instant.parse("2026-12-02T01:00:00Z"));

        assertThat(paris.schedules().tick()).isEqualTo(1);
        assertThat(runs()).singleElement().satisfies(run -> assertThat(run.parameters()).isEqualTo(
                "{\"interval-end\":\"2026-12-02T02:00+01:00\",\"interval-start\":\"2026-12-01T02:00+01:00\"}"));
    }

    @Test
    void aBackfillAsksForEveryIntervalOfARangeOnceAndStartsThemAsMaxActiveRunsAllows() throws Exception {
        Replica daily = replica(pipeline("0 0 * * *", "UTC", "latest", 1));

        List<Schedules.Interval> intervals = daily.schedules().backfill("scheduled",
                Instant.parse("2026-11-01T00:00:00Z"), Instant.parse("2026-11-04T06:00:00Z"), "ops");
        assertThat(intervals).extracting(Schedules.Interval::start).containsExactly(
                Instant.parse("2026-11-01T00:00:00Z"), Instant.parse("2026-11-02T00:00:00Z"),
                Instant.parse("2026-11-03T00:00:00Z"));
        assertThat(runs()).extracting(Run::start).containsExactly("2026-11-01T00:00Z");
        daily.schedules().backfill("scheduled", Instant.parse("2026-11-01T00:00:00Z"),
                Instant.parse("2026-11-04T06:00:00Z"), "ops");
        assertThat(runs()).as("asked again: nothing new").hasSize(1);

        finish(daily, runs().getFirst().id());
        daily.schedules().tick();
        assertThat(runs()).extracting(Run::start).containsExactly("2026-11-01T00:00Z", "2026-11-02T00:00Z");

        assertThatThrownBy(() -> daily.schedules().backfill("scheduled", Instant.parse("2026-11-01T01:00:00Z"),
                Instant.parse("2026-11-01T23:00:00Z"), "ops")).isInstanceOf(BackfillRefusedException.class)
                .hasMessageContaining("no whole interval of \"0 0 * * *\"");
        Replica unscheduled = replica("pipeline: scheduled\nversion: 1\nsteps:\n"
                + "  - {name: work, executor: kubernetes-job}\n");
        assertThatThrownBy(() -> unscheduled.schedules().backfill("scheduled", Instant.parse("2026-11-01T00:00:00Z"),
                Instant.parse("2026-11-03T00:00:00Z"), "ops")).isInstanceOf(BackfillRefusedException.class)
                .hasMessageContaining("has no schedule");
    }

    @Test
    void aScheduleThatCannotHoldIsRefusedOnItsLine() {
        assertThatThrownBy(() -> PipelineParser.parse("bad.yaml", """
                pipeline: bad
                version: 1
                schedule: {cron: "61 * * * *", time-zone: Mars/Olympus, catch-up: sometimes, max-active-runs: 0}
                steps:
                  - {name: work, executor: kubernetes-job}
                """)).hasMessageContaining("line 3, schedule.cron: \"61 * * * *\" is no cron expression")
                .hasMessageContaining("schedule.time-zone: \"Mars/Olympus\" is no time zone")
                .hasMessageContaining("schedule.catch-up: \"sometimes\" is no catch-up policy; expected all or latest")
                .hasMessageContaining("schedule.max-active-runs");
    }

    private static String pipeline(String cron, String zone, String catchUp, int maxActive) {
        return """
                pipeline: scheduled
                version: 1
                schedule: {cron: "%s", time-zone: %s, catch-up: %s, max-active-runs: %d}
                steps:
                  - {name: work, executor: kubernetes-job}
                """.formatted(cron, zone, catchUp, maxActive);
    }

    private void tickTogether(Replica a, Replica b) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService threads = Executors.newFixedThreadPool(2);
        List<Future<Integer>> ticks = new ArrayList<>();
        for (Replica replica : List.of(a, b)) {
            ticks.add(threads.submit(() -> {
                start.await();
                return replica.schedules().tick();
            }));
        }
        start.countDown();
        for (Future<Integer> tick : ticks) {
            tick.get();
        }
        threads.shutdown();
    }

    private void finish(Replica replica, String run) {
        replica.coordinator().completed("/executors/test", UUID.randomUUID().toString(),
                new StepCompleted(run, "work", 1, Map.of(), Map.of(), List.of()));
    }

    private record Run(String id, String parameters) {

        String start() {
            String from = "\"interval-start\":\"";
            int at = parameters.indexOf(from) + from.length();
            return parameters.substring(at, parameters.indexOf('"', at));
        }
    }

    private List<Run> runs() throws SQLException {
        try (Connection c = schema.dataSource().getConnection();
             PreparedStatement select = c.prepareStatement("select id, parameters from runs order by parameters")) {
            List<Run> runs = new ArrayList<>();
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    runs.add(new Run(rows.getString(1), rows.getString(2)));
                }
            }
            return runs;
        }
    }
}
