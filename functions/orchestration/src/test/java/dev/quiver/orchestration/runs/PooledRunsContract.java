package dev.quiver.orchestration.runs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.quiver.events.EventCodec;
import dev.quiver.events.EventTypes;
import dev.quiver.events.pipeline.RunRequested;
import dev.quiver.events.pipeline.StepCompleted;
import dev.quiver.events.pipeline.StepFailed;
import dev.quiver.orchestration.outbox.Outbox;
import dev.quiver.orchestration.pipeline.PipelineParser;
import dev.quiver.orchestration.pool.PoolStore;
import dev.quiver.orchestration.retry.RetryPolicies;
import dev.quiver.orchestration.store.Transactions;
import dev.quiver.pool.PoolFileReader;
import dev.quiver.pool.PoolSpec;
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
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Runs whose steps wait in a real pool file's queue of one cpu: a step is dispatched when the pool admits it, in the
 * order of its pipeline's priority, and an attempt's end (or its retry wait) frees its room for the next. Run on
 * PostgreSQL and on the embedded database.
 */
abstract class PooledRunsContract {

    static final ObjectMapper JSON = JsonMapper.builder().addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).build();
    static final String EXECUTOR = "/quiver/executors/test";
    static final PoolSpec ONE_CPU = PoolFileReader.yaml("pool.yaml", """
            queues:
              training:
                quota: {cpu: 1, memory: unlimited, gpu: unlimited}
              other:
                quota: {cpu: 1, memory: unlimited, gpu: unlimited}
            work:
              default-queue: training
            """);

    final SettableClock clock = new SettableClock(Instant.parse("2026-11-23T10:00:00Z"));
    Transactions transactions;
    Outbox outbox;
    RunCoordinator coordinator;

    abstract DataSource dataSource();

    abstract String schema();

    static Pipelines pipelines() {
        return Pipelines.of(List.of(pipeline("urgent", "high"), pipeline("routine", null), pipeline("backfill", "low"),
                PipelineParser.parse("gang.yaml", """
                        pipeline: gang
                        version: 1
                        steps:
                          - name: work
                            executor: process
                            params: {command: [train]}
                            resources: {cpu: 1, workers: 2}
                          - name: report
                            executor: process
                            depends: [work]
                            params: {command: [report]}
                        """),
                PipelineParser.parse("hotfix.yaml", """
                        pipeline: hotfix
                        version: 1
                        priority: low
                        steps:
                          - name: work
                            executor: process
                            params: {command: [train]}
                            resources: {cpu: 1}
                            priority: high
                        """),
                PipelineParser.parse("flaky.yaml", """
                        pipeline: flaky
                        version: 1
                        steps:
                          - name: work
                            executor: process
                            params: {command: [train]}
                            resources: {cpu: 1}
                            retry: {max-attempts: 3}
                        """)));
    }

    private static dev.quiver.orchestration.pipeline.PipelineSpec pipeline(String name, String priority) {
        return PipelineParser.parse(name + ".yaml", "pipeline: " + name + "\nversion: 1\n"
                + (priority == null ? "" : "priority: " + priority + "\n") + """
                steps:
                  - name: work
                    executor: process
                    params: {command: [train]}
                    resources: {cpu: 1}
                """);
    }

    RunCoordinator coordinator(PoolSpec pool) {
        return new RunCoordinator(transactions, pipelines(), outbox, RetryPolicies.configuredBy(Map.of()), JSON,
                clock, new PoolStore(transactions, pool, JSON));
    }

    @BeforeEach
    void migrate() {
        Flyway.configure().dataSource(dataSource()).schemas(schema()).locations("classpath:db/migration").load()
                .migrate();
        transactions = new Transactions(dataSource());
        outbox = new Outbox(transactions, new EventCodec(clock), clock);
        coordinator = coordinator(ONE_CPU);
    }

    @Test
    void twoRunsOfOneCpuStepsRunOneAfterTheOther() throws Exception {
        String first = request("routine", Map.of());
        String second = request("routine", Map.of());
        assertThat(dispatched()).containsExactly(first + " work#1");
        assertThat(stateOf(second)).isEqualTo("QUEUED");

        complete(first, 1);
        assertThat(dispatched()).as("the first step's end frees its cpu").containsExactly(second + " work#1");
        assertThat(runState(first)).isEqualTo("SUCCEEDED");
        complete(second, 1);
        assertThat(runState(second)).isEqualTo("SUCCEEDED");
        assertThat(dispatched()).isEmpty();
    }

    @Test
    void theQueueParameterNamesTheQueueAndAnotherQueueHasItsOwnRoom() throws Exception {
        String training = request("routine", Map.of());
        String other = request("routine", Map.of("queue", "other"));
        assertThat(dispatched()).containsExactlyInAnyOrder(training + " work#1", other + " work#1");
        assertThatThrownBy(() -> request("routine", Map.of("queue", "nowhere")))
                .isInstanceOf(RunRefusedException.class)
                .hasMessageContaining("parameters.queue: the pool has no queue \"nowhere\"")
                .hasMessageContaining("training, other");
    }

    @Test
    void higherPriorityPipelinesGoFirstInTheOrderACDB() throws Exception {
        String a = request("urgent", Map.of());
        String b = request("backfill", Map.of());
        String c = request("urgent", Map.of());
        String d = request("routine", Map.of());
        assertThat(dispatched()).containsExactly(a + " work#1");

        List<String> order = new ArrayList<>(List.of(a));
        for (int i = 0; i < 3; i++) {
            complete(order.getLast(), 1);
            List<String> next = dispatched();
            assertThat(next).hasSize(1);
            order.add(next.getFirst().substring(0, next.getFirst().indexOf(' ')));
        }
        assertThat(order).as("A and C high, D normal, B low").containsExactly(a, c, d, b);
    }

    @Test
    void aStepsOwnPriorityClassGoesOverItsPipelines() throws Exception {
        String running = request("routine", Map.of());
        assertThat(dispatched()).containsExactly(running + " work#1");
        String hotfix = request("hotfix", Map.of());
        assertThat(dispatched()).as("its high step takes the room of a normal one, where its pipeline's low would wait")
                .containsExactly(hotfix + " work#1");
    }

    @Test
    void anAttemptWaitingForItsRetryHoldsNoRoom() throws Exception {
        String flaky = request("flaky", Map.of());
        String routine = request("routine", Map.of());
        assertThat(dispatched()).containsExactly(flaky + " work#1");

        coordinator.failed(EXECUTOR, UUID.randomUUID().toString(), new StepFailed(flaky, "work", 1, "NetworkError",
                null, false, "connection reset"));
        assertThat(stateOf(flaky)).isEqualTo("RETRY_WAIT");
        assertThat(dispatched()).as("the failed attempt's cpu went to the waiting run")
                .containsExactly(routine + " work#1");

        clock.advance(Duration.ofHours(1));
        coordinator.fireDue(clock.instant(), Duration.ofHours(2));
        assertThat(stateOf(flaky)).as("its retry waits for the cpu").isEqualTo("QUEUED");
        assertThat(dispatched()).isEmpty();
        complete(routine, 1);
        assertThat(dispatched()).containsExactly(flaky + " work#2");
        complete(flaky, 2);
        assertThat(runState(flaky)).isEqualTo("SUCCEEDED");
    }

    @Test
    void aPipelineNamingAPriorityClassThePoolLacksIsRefused() {
        RunCoordinator strict = new RunCoordinator(transactions, Pipelines.of(List.of(pipeline("vip", "platinum"))),
                outbox, RetryPolicies.configuredBy(Map.of()), JSON, clock, new PoolStore(transactions, ONE_CPU,
                JSON));
        assertThatThrownBy(() -> strict.requested("/quiver/tests", UUID.randomUUID().toString(),
                new RunRequested("vip", null, Map.of())))
                .isInstanceOf(RunRefusedException.class)
                .hasMessageContaining("priority class \"platinum\"").hasMessageContaining("low, normal, high");
    }

    @Test
    void aRedeliveredCompletionFreesTheRoomOnce() throws Exception {
        String first = request("routine", Map.of());
        String second = request("routine", Map.of());
        String third = request("routine", Map.of());
        assertThat(dispatched()).containsExactly(first + " work#1");
        String completion = UUID.randomUUID().toString();
        StepCompleted completed = new StepCompleted(first, "work", 1, Map.of(), Map.of(), List.of());
        coordinator.completed(EXECUTOR, completion, completed);
        coordinator.completed(EXECUTOR, completion, completed);
        assertThat(dispatched()).containsExactly(second + " work#1");
        assertThat(stateOf(third)).isEqualTo("QUEUED");
    }

    @Test
    void aStepLargerThanItsQueueFailsAndSoDoesItsRun() throws Exception {
        String gang = request("gang", Map.of());
        assertThat(dispatched()).isEmpty();
        assertThat(stateOf(gang)).isEqualTo("FAILED");
        assertThat(text("select reason from step_instances where run_id = ? and instance = 'work'", gang))
                .startsWith("TooLarge: the pool refused it: asks for");
        assertThat(runState(gang)).as("its dependent cannot run").isEqualTo("FAILED");
    }

    @Test
    void aGangThatWaitsPastTheTimeoutFailsAndHoldsNothingMeanwhile() throws Exception {
        coordinator = coordinator(PoolFileReader.yaml("pool.yaml", """
                queues:
                  training: {quota: {cpu: 2, memory: unlimited, gpu: unlimited}}
                work: {default-queue: training}
                gang-timeout: 5m
                """));
        String routine = request("routine", Map.of());
        String gang = request("gang", Map.of());
        String after = request("routine", Map.of());
        assertThat(dispatched()).as("the gang of two does not hold the one cpu left")
                .containsExactly(routine + " work#1", after + " work#1");
        complete(after, 1);
        assertThat(dispatched()).isEmpty();
        clock.advance(Duration.ofMinutes(6));
        coordinator.fireDue(clock.instant(), Duration.ofHours(1));
        assertThat(stateOf(gang)).isEqualTo("FAILED");
        assertThat(text("select reason from step_instances where run_id = ? and instance = 'work'", gang))
                .startsWith("GangTimeout: ");
        assertThat(runState(gang)).isEqualTo("FAILED");
    }

    String request(String pipeline, Map<String, Object> parameters) {
        clock.advance(Duration.ofSeconds(1));
        return coordinator.requested("/quiver/tests", UUID.randomUUID().toString(), new RunRequested(pipeline, null,
                parameters));
    }

    void complete(String run, int attempt) {
        clock.advance(Duration.ofSeconds(1));
        coordinator.completed(EXECUTOR, UUID.randomUUID().toString(), new StepCompleted(run, "work", attempt,
                Map.of(), Map.of(), List.of()));
    }

    /** The steps dispatched since the last call, as "run instance#attempt", in the order they were. */
    List<String> dispatched() throws Exception {
        List<String> steps = new ArrayList<>();
        for (Outbox.Entry entry : outbox.claim("tests", clock.instant().plusSeconds(60), 1000)) {
            if (entry.type().equals(EventTypes.STEP_DISPATCHED)) {
                var data = JSON.readTree(entry.data());
                steps.add(entry.runId() + " " + data.get("instance").asText() + "#" + data.get("attempt").asInt());
            }
            outbox.markSent("tests", entry);
        }
        return steps;
    }

    String stateOf(String run) throws SQLException {
        return text("select state from step_instances where run_id = ? and instance = 'work'", run);
    }

    String runState(String run) throws SQLException {
        return text("select state from runs where id = ?", run);
    }

    String text(String sql, String parameter) throws SQLException {
        try (Connection connection = dataSource().getConnection();
             PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, parameter);
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() ? rows.getString(1) : null;
            }
        }
    }
}
