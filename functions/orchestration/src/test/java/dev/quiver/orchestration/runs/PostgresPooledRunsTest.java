package dev.quiver.orchestration.runs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.events.EventCodec;
import dev.quiver.events.pipeline.RunRequested;
import dev.quiver.events.pipeline.StepCompleted;
import dev.quiver.orchestration.outbox.Outbox;
import dev.quiver.orchestration.pool.PoolStore;
import dev.quiver.orchestration.retry.RetryPolicies;
import dev.quiver.orchestration.store.Migrations;
import dev.quiver.orchestration.store.Transactions;
import dev.quiver.testservices.TestPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Pooled runs on a real PostgreSQL server, and what only concurrent connections show: two replicas (two coordinators,
 * each with its own copy of the pool) requesting and completing runs at once never have more steps dispatched than
 * the queue's one cpu holds.
 */
class PostgresPooledRunsTest extends PooledRunsContract {

    /** A schema for each test: the pool's workloads of one test would hold the room of the next. */
    private final TestPostgres.Schema schema = TestPostgres.shared().newSchema("quiver_pooled");

    @AfterEach
    void dropSchema() {
        schema.close();
    }

    @Override
    DataSource dataSource() {
        return schema.dataSource();
    }

    @Override
    String schema() {
        return schema.name();
    }

    @Test
    void twoReplicasNeverAdmitOverTheQuota() throws Exception {
        try (TestPostgres.Schema own = TestPostgres.shared().newSchema("quiver_replicas")) {
            Migrations.apply(own.dataSource(), own.name());
            Transactions store = new Transactions(own.dataSource());
            Outbox events = new Outbox(store, new EventCodec(clock), clock);
            List<RunCoordinator> replicas = new ArrayList<>();
            for (int replica = 0; replica < 2; replica++) {
                replicas.add(new RunCoordinator(store, pipelines(), events, RetryPolicies.configuredBy(Map.of()), JSON,
                        clock, new PoolStore(store, ONE_CPU, JSON)));
            }
            replicasAtOnce(own.dataSource(), replicas);
        }
    }

    private void replicasAtOnce(DataSource database, List<RunCoordinator> replicas) throws Exception {
        int runs = 20;
        ExecutorService threads = Executors.newFixedThreadPool(3);
        AtomicBoolean done = new AtomicBoolean();
        AtomicInteger most = new AtomicInteger();
        try {
            Future<?> watch = threads.submit(() -> {
                while (!done.get()) {
                    most.accumulateAndGet(count(database, "select count(*) from step_instances "
                            + "where state in ('DISPATCHED', 'RUNNING')"), Math::max);
                }
                return null;
            });
            List<Future<?>> work = new ArrayList<>();
            for (RunCoordinator replica : replicas) {
                work.add(threads.submit(() -> {
                    for (int i = 0; i < runs / 2; i++) {
                        replica.requested("/quiver/tests", UUID.randomUUID().toString(),
                                new RunRequested("routine", null, Map.of()));
                        completeWhatRuns(database, replica);
                    }
                    while (count(database, "select count(*) from runs where state = 'RUNNING'") > 0) {
                        completeWhatRuns(database, replica);
                    }
                    return null;
                }));
            }
            for (Future<?> future : work) {
                future.get();
            }
            done.set(true);
            watch.get();
        } finally {
            threads.shutdownNow();
        }
        assertThat(count(database, "select count(*) from runs where state = 'SUCCEEDED'")).isEqualTo(runs);
        assertThat(count(database, "select count(*) from attempts")).as("one attempt each").isEqualTo(runs);
        assertThat(most.get()).as("steps dispatched at once, at most").isEqualTo(1);
        assertThat(count(database, "select count(*) from pool_workloads where status = 'FINISHED'")).isEqualTo(runs);
    }

    /** Completes the dispatched steps, as their executor would; the other replica may report the same one. */
    private static void completeWhatRuns(DataSource database, RunCoordinator replica) throws SQLException {
        for (String[] step : dispatchedSteps(database)) {
            replica.completed(EXECUTOR, UUID.randomUUID().toString(), new StepCompleted(step[0], "work",
                    Integer.parseInt(step[1]), Map.of(), Map.of(), List.of()));
        }
    }

    private static List<String[]> dispatchedSteps(DataSource database) throws SQLException {
        List<String[]> steps = new ArrayList<>();
        try (Connection connection = database.getConnection();
             PreparedStatement statement = connection.prepareStatement("select run_id, attempt from step_instances "
                     + "where state in ('DISPATCHED', 'RUNNING')");
             ResultSet rows = statement.executeQuery()) {
            while (rows.next()) {
                steps.add(new String[] {rows.getString(1), rows.getString(2)});
            }
        }
        return steps;
    }

    private static int count(DataSource database, String sql) throws SQLException {
        try (Connection connection = database.getConnection();
             PreparedStatement statement = connection.prepareStatement(sql);
             ResultSet rows = statement.executeQuery()) {
            rows.next();
            return rows.getInt(1);
        }
    }
}
