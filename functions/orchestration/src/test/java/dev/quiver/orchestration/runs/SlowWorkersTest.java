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
import dev.quiver.orchestration.pool.PoolStore;
import dev.quiver.orchestration.retry.RetryPolicies;
import dev.quiver.orchestration.store.EmbeddedDatabase;
import dev.quiver.orchestration.store.Migrations;
import dev.quiver.orchestration.store.Transactions;
import dev.quiver.pool.PoolSpec;
import dev.quiver.testservices.SettableClock;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * A multi-worker step reports each worker's throughput in its heartbeats: each is kept as a series, and a worker the
 * configured factor or more below the median of its peers is reported once per attempt as a {@code SlowWorker}
 * alert naming it and both figures, however many heartbeats (or redeliveries) show it again.
 */
class SlowWorkersTest {

    private static final ObjectMapper JSON = JsonMapper.builder().addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).build();
    private static final Instant START = Instant.parse("2026-12-01T00:00:00Z");

    private final SettableClock clock = new SettableClock(START);
    private final DataSource h2 = EmbeddedDatabase.create("slow-workers");
    private final Transactions transactions = migrated();
    private final RunCoordinator coordinator = new RunCoordinator(transactions, Pipelines.of(List.of(
            PipelineParser.parse("gang.yaml", """
                    pipeline: gang
                    version: 1
                    steps:
                      - {name: train, executor: kubernetes-job, resources: {workers: 4}}
                    """))), new Outbox(transactions, new EventCodec(clock), clock),
            RetryPolicies.configuredBy(Map.of()), JSON, clock, new PoolStore(transactions, PoolSpec.DEFAULT, JSON),
            false, 4);

    private Transactions migrated() {
        Migrations.apply(h2);
        return new Transactions(h2);
    }

    @Test
    void aWorkerFarSlowerThanItsPeersIsReportedOncePerAttempt() throws Exception {
        String run = coordinator.requested("/tests", UUID.randomUUID().toString(), new RunRequested("gang", null,
                Map.of()));
        heartbeat(run, Map.of("w0", 120.0, "w1", 110.0, "w2", 100.0, "w3", 40.0));
        assertThat(alerts(run)).as("40 is not 4 times below the median of 105").isEmpty();

        heartbeat(run, Map.of("w0", 120.0, "w1", 110.0, "w2", 100.0, "w3", 25.0));
        heartbeat(run, Map.of("w0", 121.0, "w1", 111.0, "w2", 101.0, "w3", 20.0));

        assertThat(alerts(run)).singleElement().satisfies(alert -> assertThat(alert)
                .contains("\"errorClass\":\"SlowWorker\"", "\"pipeline\":\"gang\"", "\"attempt\":1",
                        "worker w3 processes 25.0 per second", "median of the attempt's 4 workers, 105.0",
                        "\"worker\":\"w3\""));
        assertThat(series(run, "worker.w3")).containsExactly(40.0, 25.0, 20.0);
        assertThat(value(run, "select state from step_instances where run_id = ?")).as("it runs on")
                .isEqualTo("RUNNING");
    }

    private void heartbeat(String run, Map<String, Double> workers) {
        clock.advance(java.time.Duration.ofSeconds(10));
        coordinator.heartbeat("/executors/test", UUID.randomUUID().toString(), new StepHeartbeat(run, "train", 1,
                clock.instant(), null, null, null, null, null, null, workers));
    }

    private List<String> alerts(String run) throws SQLException {
        return strings(run, "select data from outbox where run_id = ? and type = 'dev.quiver.step.alert.raised' "
                + "order by seq");
    }

    private List<Double> series(String run, String name) throws SQLException {
        return strings(run, "select sample from step_samples where run_id = ? and name = '" + name
                + "' order by observed_at").stream().map(Double::valueOf).toList();
    }

    private String value(String run, String sql) throws SQLException {
        return strings(run, sql).getFirst();
    }

    private List<String> strings(String run, String sql) throws SQLException {
        List<String> values = new ArrayList<>();
        try (Connection c = h2.getConnection(); PreparedStatement select = c.prepareStatement(sql)) {
            select.setString(1, run);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    values.add(rows.getString(1));
                }
            }
        }
        return values;
    }
}
