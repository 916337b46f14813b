package dev.quiver.orchestration.sla;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.quiver.events.EventCodec;
import dev.quiver.events.EventTypes;
import dev.quiver.events.pipeline.RunRequested;
import dev.quiver.events.pipeline.StepCompleted;
import dev.quiver.orchestration.outbox.Outbox;
import dev.quiver.orchestration.pipeline.PipelineParser;
import dev.quiver.orchestration.reads.StepDurations;
import dev.quiver.orchestration.retry.RetryPolicies;
import dev.quiver.orchestration.runs.Pipelines;
import dev.quiver.orchestration.runs.RunCoordinator;
import dev.quiver.orchestration.store.EmbeddedDatabase;
import dev.quiver.orchestration.store.Migrations;
import dev.quiver.orchestration.store.Transactions;
import dev.quiver.testservices.SettableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * SLA misses and step durations on the embedded database, with a clock the test moves: a run past its pipeline's
 * {@code sla} and an attempt past its step's {@code expected-duration} are announced once each, whether still running
 * or ended late, and counted; the duration view gives each step's p50, p95 and longest over its last attempts.
 */
class SlaWatchTest {

    private static final ObjectMapper JSON = JsonMapper.builder().addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).build();
    private static final String PIPELINE = """
            pipeline: nightly
            version: 1
            sla: 1h
            steps:
              - {name: load, executor: kubernetes-job, expected-duration: 10m}
              - {name: train, executor: kubernetes-job, depends: [load]}
            """;

    private final SettableClock clock = new SettableClock(Instant.parse("2026-12-01T00:00:00Z"));
    private final DataSource h2 = EmbeddedDatabase.create("sla");
    private final Transactions transactions = migrated();
    private final Pipelines pipelines = Pipelines.of(List.of(PipelineParser.parse("nightly.yaml", PIPELINE)));
    private final RunCoordinator coordinator = new RunCoordinator(transactions, pipelines, new Outbox(transactions,
            new EventCodec(clock), clock), RetryPolicies.configuredBy(Map.of()), JSON, clock);
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final SlaWatch watch = new SlaWatch(transactions, pipelines, new Outbox(transactions,
            new EventCodec(clock), clock), clock, Duration.ofMinutes(10), meters);

    private Transactions migrated() {
        Migrations.apply(h2);
        return new Transactions(h2);
    }

    @Test
    void aRunningStepAndRunPastTheirLimitsAreAnnouncedOnceEach() throws Exception {
        String run = request();
        clock.advance(Duration.ofMinutes(9));
        assertThat(watch.check()).as("within its expected duration").isZero();

        clock.advance(Duration.ofMinutes(2));
        assertThat(watch.check()).isEqualTo(1);
        assertThat(watch.check()).as("once per miss").isZero();
        complete(run, "load");

        clock.advance(Duration.ofMinutes(50));
        assertThat(watch.check()).as("the run, 61 minutes in").isEqualTo(1);
        assertThat(watch.check()).isZero();

        assertThat(missed()).containsExactly(
                "step load 1 600.0 660.0 DISPATCHED",
                "run null null 3600.0 3660.0 RUNNING");
        assertThat(meters.counter("quiver.orchestration.sla.missed", "kind", "step").count()).isEqualTo(1);
        assertThat(meters.counter("quiver.orchestration.sla.missed", "kind", "run").count()).isEqualTo(1);
    }

    @Test
    void anAttemptThatEndedLateBetweenTicksIsAnnouncedToo() throws Exception {
        String run = request();
        clock.advance(Duration.ofMinutes(12));
        complete(run, "load");

        assertThat(watch.check()).isEqualTo(1);
        assertThat(missed()).containsExactly("step load 1 600.0 720.0 SUCCEEDED");
    }

    @Test
    void stepDurationsGiveTheMedianThe95thPercentileAndTheLongestOfTheLastAttempts() {
        for (int minutes : List.of(1, 2, 3, 4, 10)) {
            String run = request();
            clock.advance(Duration.ofMinutes(minutes));
            complete(run, "load");
            clock.advance(Duration.ofMinutes(1));
            complete(run, "train");
        }

        List<StepDurations.Figures> all = new StepDurations(transactions).of("nightly", 20);
        assertThat(all).extracting(StepDurations.Figures::step).containsExactly("load", "train");
        StepDurations.Figures load = all.getFirst();
        assertThat(load.count()).isEqualTo(5);
        assertThat(load.p50Seconds()).isEqualTo(180.0);
        assertThat(load.p95Seconds()).isEqualTo(600.0);
        assertThat(load.maxSeconds()).isEqualTo(600.0);
        assertThat(load.samples().getFirst().seconds()).as("latest first").isCloseTo(600.0, within(0.001));

        StepDurations.Figures lastTwo = new StepDurations(transactions).of("nightly", 2).getFirst();
        assertThat(lastTwo.count()).isEqualTo(2);
        assertThat(lastTwo.p50Seconds()).isEqualTo(240.0);
    }

    private String request() {
        return coordinator.requested("/tests", UUID.randomUUID().toString(),
                new RunRequested("nightly", null, Map.of()));
    }

    private void complete(String run, String instance) {
        coordinator.completed("/executors/test", UUID.randomUUID().toString(),
                new StepCompleted(run, instance, 1, Map.of(), Map.of(), List.of()));
    }

    private List<String> missed() throws SQLException {
        List<String> events = new ArrayList<>();
        try (Connection c = h2.getConnection();
             PreparedStatement select = c.prepareStatement("select data from outbox where type = ? order by seq")) {
            select.setString(1, EventTypes.SLA_MISSED);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    var data = JSON.readTree(rows.getString(1));
                    events.add(data.path("kind").asText() + " " + data.path("instance").asText("null") + " "
                            + data.path("attempt").asText("null") + " " + data.path("expectedSeconds").asDouble()
                            + " " + data.path("elapsedSeconds").asDouble() + " " + data.path("state").asText());
                }
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
        return events;
    }
}
