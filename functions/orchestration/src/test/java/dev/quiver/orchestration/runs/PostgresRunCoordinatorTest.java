package dev.quiver.orchestration.runs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.events.EventCodec;
import dev.quiver.orchestration.outbox.Outbox;
import dev.quiver.orchestration.pipeline.PipelineFiles;
import dev.quiver.orchestration.retry.RetryPolicies;
import dev.quiver.orchestration.store.StatementLog;
import dev.quiver.orchestration.store.Transactions;
import dev.quiver.testservices.TestPostgres;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Callable;
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
 * once, two copies of one event delivered at once take effect once, and events of many runs handled together (their
 * reads made once for their group) leave each run as handling them one at a time does.
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

    private long sequence(String run) throws SQLException {
        return count("select sequence from runs where id = '" + run + "'");
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
    void stepEventsOfManyRunsHandledTogetherTakeEffectAsOneAtATimeWould() throws Exception {
        StatementLog log = new StatementLog(dataSource());
        Transactions grouped = new Transactions(log);
        RunCoordinator together = new RunCoordinator(grouped, Pipelines.of(List.of(PipelineFiles.modelSelection())),
                new Outbox(grouped, new EventCodec(clock), clock), RetryPolicies.configuredBy(Map.of()), JSON, clock);
        String alone = request("request-" + UUID.randomUUID());
        complete(alone, "ingest", 1);
        for (String training : List.of("train[0]", "train[1]", "train[2]")) {
            complete(alone, training, 1);
        }
        List<String> oneAtATime = instances(sent(alone));
        ExecutorService threads = Executors.newFixedThreadPool(16);
        try {
            for (int burst = 0; burst < 3; burst++) {
                List<String> runs = new ArrayList<>();
                List<Callable<Void>> events = new ArrayList<>();
                for (int r = 0; r < 8; r++) {
                    String run = request("request-" + UUID.randomUUID());
                    complete(run, "ingest", 1);
                    runs.add(run);
                    for (String training : List.of("train[0]", "train[1]", "train[2]")) {
                        String id = UUID.randomUUID().toString();
                        // each completion delivered twice at once, as a broker may
                        for (int copy = 0; copy < 2; copy++) {
                            events.add(() -> {
                                together.completed(EXECUTOR, id, completion(run, training, 1));
                                return null;
                            });
                        }
                    }
                }
                Collections.shuffle(events, new Random(burst));
                for (Future<Void> done : threads.invokeAll(events)) {
                    done.get();
                }
                for (String run : runs) {
                    assertThat(instances(sent(run))).as("burst %d, run %s", burst, run)
                            .containsExactlyInAnyOrderElementsOf(oneAtATime);
                    assertThat(sequence(run)).as("its events numbered as one at a time would")
                            .isEqualTo(sequence(alone));
                    assertThat(count("select count(*) from attempts where run_id = '" + run + "'")).isEqualTo(
                            count("select count(*) from attempts where run_id = '" + alone + "'"));
                }
            }
        } finally {
            threads.shutdownNow();
        }
        assertThat(log.statements()).as("runs locked together by a group of their events")
                .anyMatch(sql -> sql.startsWith("select id, pipeline") && sql.contains("where id in (?, ?"));
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
