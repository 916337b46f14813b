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
 * A step with {@code stall-after} whose heartbeats go on with flat progress is told apart from a long-running one
 * and from a silent one: it fails as {@code Stalled} and the retry decision answers it like a transient failure; its
 * retry is given the checkpoint the attempt reported, so that it resumes.
 */
class StallTest {

    private static final ObjectMapper JSON = JsonMapper.builder().addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).build();
    private static final Instant START = Instant.parse("2026-12-01T00:00:00Z");

    private final SettableClock clock = new SettableClock(START);
    private final DataSource h2 = EmbeddedDatabase.create("stall");
    private final Transactions transactions = migrated();
    private final RunCoordinator coordinator = new RunCoordinator(transactions, Pipelines.of(List.of(
            PipelineParser.parse("stall.yaml", """
                    pipeline: stall
                    version: 1
                    steps:
                      - {name: work, executor: kubernetes-job, stall-after: 10m}
                    """))), new Outbox(transactions, new EventCodec(clock), clock),
            RetryPolicies.configuredBy(Map.of()), JSON, clock);

    private Transactions migrated() {
        Migrations.apply(h2);
        return new Transactions(h2);
    }

    @Test
    void flatProgressWhileHeartbeatsGoOnFailsTheAttemptAsStalled() throws Exception {
        String run = request();
        report(run, 1, 10);
        report(run, 5, 20);
        report(run, 10, 20);
        report(run, 14, 20);
        assertThat(coordinator.failStalled(clock.instant())).as("at minute 14, progress rose 9 minutes ago").isZero();
        report(run, 16, 20);

        assertThat(coordinator.failStalled(clock.instant())).isEqualTo(1);
        assertThat(attempt(run)).isEqualTo("FAILED Stalled");
        assertThat(instanceState(run)).as("retried like a transient failure").isEqualTo("RETRY_WAIT");
    }

    @Test
    void theRetryOfAStalledStepIsGivenTheCheckpointItsLastAttemptReported() throws Exception {
        String run = request();
        report(run, 1, 10);
        clock.advance(Duration.ofMinutes(1));
        coordinator.heartbeat("/executors/test", UUID.randomUUID().toString(), new StepHeartbeat(run, "work", 1,
                clock.instant(), 10.0, null, null, null, null,
                new StepHeartbeat.Checkpoint("s3://checkpoints/work/epoch-3", "sha256:abc")));
        report(run, 13, 10);
        assertThat(coordinator.failStalled(clock.instant())).isEqualTo(1);

        clock.advance(Duration.ofHours(1));
        coordinator.fireDue(clock.instant(), Duration.ofDays(1));

        assertThat(value(run, "select data from outbox where run_id = ? and type = 'dev.quiver.step.dispatched' "
                + "order by seq desc limit 1")).contains("\"attempt\":2")
                .contains("{\"instance\":\"work\",\"name\":\"checkpoint\",\"uri\":"
                        + "\"s3://checkpoints/work/epoch-3\",\"digest\":\"sha256:abc\"}");
    }

    @Test
    void risingProgressOrSilenceIsNoStall() throws Exception {
        String rising = request();
        report(rising, 1, 10);
        report(rising, 12, 11);
        report(rising, 20, 12);
        String silent = request();
        report(silent, 1, 10);

        assertThat(coordinator.failStalled(clock.instant())).isZero();
        assertThat(instanceState(rising)).isEqualTo("RUNNING");
        assertThat(instanceState(silent)).as("left to the heartbeat timeout").isEqualTo("RUNNING");
    }

    private String request() {
        clock.advance(Duration.between(clock.instant(), START));
        return coordinator.requested("/tests", UUID.randomUUID().toString(), new RunRequested("stall", null,
                Map.of()));
    }

    /** A heartbeat at {@code minute} after the start with the progress given; the clock moves there. */
    private void report(String run, int minute, double progress) {
        Instant at = START.plus(Duration.ofMinutes(minute));
        clock.advance(Duration.between(clock.instant(), at));
        coordinator.heartbeat("/executors/test", UUID.randomUUID().toString(), new StepHeartbeat(run, "work", 1, at,
                progress, null, null, null, null));
    }

    private String attempt(String run) throws SQLException {
        return value(run, "select state || ' ' || error_class from attempts where run_id = ? and attempt = 1");
    }

    private String instanceState(String run) throws SQLException {
        return value(run, "select state from step_instances where run_id = ?");
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
