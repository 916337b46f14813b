package dev.quiver.orchestration.runs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.quiver.events.EventCodec;
import dev.quiver.events.pipeline.RunRequested;
import dev.quiver.events.pipeline.StepHeartbeat;
import dev.quiver.orchestration.outbox.Outbox;
import dev.quiver.orchestration.pipeline.PipelineParser;
import dev.quiver.orchestration.retry.RetryPolicies;
import dev.quiver.orchestration.store.EmbeddedDatabase;
import dev.quiver.orchestration.store.Migrations;
import dev.quiver.orchestration.store.Transactions;
import dev.quiver.testservices.SettableClock;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * The pace rule judges running attempts: one whose progress, reported in its heartbeats, rises too slowly to finish
 * anywhere near its deadline is stopped before the deadline comes, and the retry decision abandons it on the pace it
 * showed; a slow start, a pace that finishes within the margin, or flat progress (stall-after's case) is left running.
 */
class RunningPaceTest {

    private static final ObjectMapper JSON = JsonMapper.builder().addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).build();
    private static final Instant START = Instant.parse("2026-12-01T00:00:00Z");
    private static final Duration MIN_SPAN = Duration.ofMinutes(1);
    private static final double MARGIN = 2;

    private final SettableClock clock = new SettableClock(START);
    private final DataSource h2 = EmbeddedDatabase.create("running-pace");
    private final Transactions transactions = migrated();
    private final RunCoordinator coordinator = new RunCoordinator(transactions, Pipelines.of(List.of(
            PipelineParser.parse("pace.yaml", """
                    pipeline: pace
                    version: 1
                    steps:
                      - {name: work, executor: kubernetes-job, deadline: 2h}
                    """))), new Outbox(transactions, new EventCodec(clock), clock),
            RetryPolicies.configuredBy(Map.of()), JSON, clock);

    private Transactions migrated() {
        Migrations.apply(h2);
        return new Transactions(h2);
    }

    @Test
    void aRunningAttemptTooSlowForItsDeadlineIsStoppedAndAbandonedOnItsPace() throws Exception {
        String run = request();
        report(run, 1, 1);
        report(run, 11, 3);

        assertThat(coordinator.failHopeless(clock.instant(), MIN_SPAN, MARGIN)).isEqualTo(1);
        assertThat(value(run, "select state || ' ' || error_class from attempts where run_id = ?"))
                .isEqualTo("FAILED TooSlow");
        assertThat(value(run, "select action from retry_decisions where run_id = ?")).isEqualTo("ABANDON");
        Map<?, ?> evidence = JSON.readValue(value(run, "select evidence from retry_decisions where run_id = ?"),
                Map.class);
        assertThat(evidence.get("deadline")).isEqualTo("PT2H");
        assertThat(evidence.get("firstProgress")).isEqualTo(1.0);
        assertThat(evidence.get("lastProgress")).isEqualTo(3.0);
        // 0.2% a minute from 3% at minute 11: 11 + 485 minutes
        assertThat(Duration.parse((String) evidence.get("projectedFinish"))).isEqualTo(Duration.ofMinutes(496));
        assertThat(value(run, "select state from step_instances where run_id = ?")).isEqualTo("FAILED");
        assertThat(value(run, "select data from outbox where run_id = ? and type = 'dev.quiver.step.cancelled'"))
                .as("its executor is told to stop it").contains("\"attempt\":1", "\"requestedBy\":\"quiver\"",
                        "TooSlow: progress rose 2.0% in PT10M");
        assertThat(coordinator.failHopeless(clock.instant(), MIN_SPAN, MARGIN)).as("decided once").isZero();
    }

    @Test
    void aSlowStartAPaceWithinTheMarginAndFlatProgressKeepRunning() throws Exception {
        String early = request();
        report(early, Duration.ofSeconds(5), 0);
        report(early, Duration.ofSeconds(25), 0.1);
        String withinMargin = request();
        report(withinMargin, 1, 10);
        report(withinMargin, 31, 30);
        String flat = request();
        report(flat, 1, 5);
        report(flat, 31, 5);

        assertThat(coordinator.failHopeless(clock.instant(), MIN_SPAN, MARGIN)).isZero();
        for (String run : List.of(early, withinMargin, flat)) {
            assertThat(value(run, "select state from step_instances where run_id = ?")).isEqualTo("RUNNING");
        }
    }

    private String request() {
        clock.advance(Duration.between(clock.instant(), START));
        return coordinator.requested("/tests", UUID.randomUUID().toString(), new RunRequested("pace", null,
                Map.of()));
    }

    private void report(String run, int minute, double progress) {
        report(run, Duration.ofMinutes(minute), progress);
    }

    /** A heartbeat at {@code after} the start with the progress given; the clock moves there. */
    private void report(String run, Duration after, double progress) {
        Instant at = START.plus(after);
        clock.advance(Duration.between(clock.instant(), at));
        coordinator.heartbeat("/executors/test", UUID.randomUUID().toString(), new StepHeartbeat(run, "work", 1, at,
                progress, null, null, null, null));
    }

    private String value(String run, String sql) throws SQLException {
        try (Connection c = h2.getConnection(); PreparedStatement select = c.prepareStatement(sql)) {
            select.setString(1, run);
            try (ResultSet rows = select.executeQuery()) {
                rows.next();
                return rows.getString(1);
            }
        }
    }
}
