package dev.quiver.orchestration.runs;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The coordinator on a real PostgreSQL server (127.0.0.1:5432, database {@code test}), in a schema of its own, and
 * what only a server with concurrent connections shows: two completions at the same instant dispatch their dependent
 * once, and two copies of one event delivered at once take effect once.
 */
class PostgresRunCoordinatorTest extends RunCoordinatorContract {

    private static final String SCHEMA = "quiver_runs_" + UUID.randomUUID().toString().replace("-", "");
    private static PGSimpleDataSource dataSource;

    @BeforeAll
    static void createSchema() throws SQLException {
        dataSource = new PGSimpleDataSource();
        dataSource.setURL("jdbc:postgresql://127.0.0.1:5432/test");
        dataSource.setUser(System.getProperty("quiver.test.postgresql.user", "postgres"));
        execute("create schema " + SCHEMA);
        dataSource.setCurrentSchema(SCHEMA);
    }

    @AfterAll
    static void dropSchema() throws SQLException {
        execute("drop schema " + SCHEMA + " cascade");
    }

    private static void execute(String sql) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement statement = c.createStatement()) {
            statement.execute(sql);
        }
    }

    @Override
    DataSource dataSource() {
        return dataSource;
    }

    @Override
    String schema() {
        return SCHEMA;
    }

    @Test
    void theLastTwoCompletionsAtTheSameInstantDispatchTheDependentOnce() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            for (int i = 0; i < 10; i++) {
                String run = request("request-" + UUID.randomUUID());
                complete(run, "ingest", 1);
                sent(run);
                CyclicBarrier together = new CyclicBarrier(2);
                List<Future<?>> done = new ArrayList<>();
                for (String training : List.of("train[0]", "train[2]")) {
                    done.add(threads.submit(() -> {
                        together.await();
                        complete(run, training, 1);
                        return null;
                    }));
                }
                for (Future<?> future : done) {
                    future.get();
                }
                assertThat(instances(sent(run))).as("run %d", i).containsExactly("select#1");
            }
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void twoCopiesOfAnEventDeliveredAtOnceTakeEffectOnce() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            for (int i = 0; i < 10; i++) {
                String requestId = "request-" + UUID.randomUUID();
                CyclicBarrier together = new CyclicBarrier(2);
                List<Future<String>> runs = new ArrayList<>();
                for (int copy = 0; copy < 2; copy++) {
                    runs.add(threads.submit(() -> {
                        together.await();
                        return request(requestId);
                    }));
                }
                String run = runs.get(0).get();
                assertThat(runs.get(1).get()).isEqualTo(run);
                assertThat(instances(sent(run))).as("copy %d", i).containsExactly("ingest#1");
                String completion = UUID.randomUUID().toString();
                CyclicBarrier again = new CyclicBarrier(2);
                List<Future<?>> done = new ArrayList<>();
                for (int copy = 0; copy < 2; copy++) {
                    done.add(threads.submit(() -> {
                        again.await();
                        coordinator.completed(EXECUTOR, completion, completion(run, "ingest", 1));
                        return null;
                    }));
                }
                for (Future<?> future : done) {
                    future.get();
                }
                assertThat(sent(run)).hasSize(3);
            }
        } finally {
            threads.shutdownNow();
        }
    }
}
