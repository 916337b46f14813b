package dev.quiver.orchestration.runs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.testservices.TestPostgres;
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

/**
 * The coordinator on a real PostgreSQL server (the tests' own, {@link TestPostgres}), in a schema of its own, and
 * what only a server with concurrent connections shows: two completions at the same instant dispatch their dependent
 * once, and two copies of one event delivered at once take effect once.
 */
class PostgresRunCoordinatorTest extends RunCoordinatorContract {

    private static TestPostgres.Schema schema;

    @BeforeAll
    static void createSchema() {
        schema = TestPostgres.shared().newSchema("quiver_runs");
    }

    @AfterAll
    static void dropSchema() {
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
