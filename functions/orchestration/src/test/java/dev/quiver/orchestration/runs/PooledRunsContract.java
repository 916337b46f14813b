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
import dev.quiver.orchestration.pool.PoolMetrics;
import dev.quiver.orchestration.pool.PoolResource;
import dev.quiver.orchestration.pool.PoolStore;
import dev.quiver.orchestration.retry.RetryPolicies;
import dev.quiver.orchestration.store.Migrations;
import dev.quiver.orchestration.store.Transactions;
import dev.quiver.pool.PoolFileReader;
import dev.quiver.pool.PoolSpec;
import com.fasterxml.jackson.databind.JsonNode;
import dev.quiver.testservices.SettableClock;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
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
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
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
    MeterRegistry meters;
    PoolStore store;

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

    /** A coordinator on {@code pool}, whose meters ({@link #meters}, the pool's gauges too) start from nothing. */
    RunCoordinator coordinator(PoolSpec pool) {
        meters = new SimpleMeterRegistry();
        store = new PoolStore(transactions, pool, JSON, meters);
        new PoolMetrics(store, meters);
        return new RunCoordinator(transactions, pipelines(), outbox, RetryPolicies.configuredBy(Map.of()), JSON,
                clock, store);
    }

    @BeforeEach
    void migrate() {
        Migrations.apply(dataSource(), schema());
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

    @Test
    void theGaugesShowUsagePendingWorkAndTheDesiredCapacityAfterRealAdmissions() throws Exception {
        String first = request("routine", Map.of());
        request("routine", Map.of());
        request("backfill", Map.of());
        assertThat(dispatched()).containsExactly(first + " work#1");

        assertThat(queueGauge("quiver.pool.queue.usage", "cpu")).isEqualTo(1.0);
        assertThat(queueGauge("quiver.pool.queue.nominal", "cpu")).isEqualTo(1.0);
        assertThat(queueGauge("quiver.pool.queue.borrowed", "cpu")).isZero();
        assertThat(queueGauge("quiver.pool.queue.nominal", "memory")).as("unlimited").isInfinite();
        assertThat(queueGauge("quiver.pool.queue.desired", "cpu")).as("1 in use and 2 waiting").isEqualTo(3.0);
        assertThat(pending("normal")).isEqualTo(1.0);
        assertThat(pending("low")).isEqualTo(1.0);
        assertThat(pending("high")).isZero();
        assertThat(meters.get("quiver.pool.queue.admitted").tag("queue", "training").gauge().value()).isEqualTo(1.0);
        assertThat(meters.get("quiver.pool.desired").tag("resource", "cpu").gauge().value()).isEqualTo(3.0);
        assertThat(meters.get("quiver.pool.capacity").tag("resource", "cpu").gauge().value())
                .as("the two queues' cpu").isEqualTo(2.0);
        PoolResource.PoolView view = new PoolResource(store).pool();
        assertThat(view.desired()).containsEntry("cpu", "3");
        assertThat(view.capacity()).containsEntry("cpu", "2");
        assertThat(view.queues().getFirst().desired()).containsEntry("cpu", "3");

        complete(first, 1);
        assertThat(dispatched()).hasSize(1);
        assertThat(queueGauge("quiver.pool.queue.desired", "cpu")).isEqualTo(2.0);
        assertThat(pending("normal")).isZero();
        Timer waits = meters.get("quiver.pool.admission.wait").tags("queue", "training", "priority_class", "normal")
                .timer();
        assertThat(waits.count()).isEqualTo(2);
        assertThat(waits.totalTime(TimeUnit.MILLISECONDS)).as("0 s for the first, 2 s for the second")
                .isEqualTo(2000.0);
    }

    @Test
    void aPreemptionIsCountedForTheQueueOfTheWorkloadPreempted() throws Exception {
        String running = request("routine", Map.of());
        request("hotfix", Map.of());
        assertThat(dispatched()).hasSize(2);
        assertThat(stateOf(running)).isEqualTo("QUEUED");
        assertThat(meters.get("quiver.pool.preemptions").tag("queue", "training").counter().count()).isEqualTo(1.0);
        assertThat(meters.get("quiver.pool.admission.wait").tags("queue", "training", "priority_class", "high")
                .timer().count()).isEqualTo(1);
    }

    @Test
    void aQueueBorrowingFromItsCohortShowsWhatItBorrowsAndItsAdmissionSaysSo() throws Exception {
        coordinator = coordinator(PoolFileReader.yaml("pool.yaml", """
                cohorts: {shared: {}}
                queues:
                  training: {cohort: shared, quota: {cpu: 1, memory: unlimited, gpu: unlimited}}
                  other: {cohort: shared, quota: {cpu: 1, memory: unlimited, gpu: unlimited}}
                work: {default-queue: training}
                """));
        String own = request("routine", Map.of());
        String lent = request("routine", Map.of());
        assertThat(dispatched()).containsExactly(own + " work#1", lent + " work#1");
        assertThat(queueGauge("quiver.pool.queue.usage", "cpu")).isEqualTo(2.0);
        assertThat(queueGauge("quiver.pool.queue.borrowed", "cpu")).isEqualTo(1.0);
        List<JsonNode> admitted = emitted(EventTypes.POOL_WORKLOAD_ADMITTED);
        assertThat(admitted).extracting(event -> event.get("runId").asText()).containsExactly(own, lent);
        assertThat(admitted).extracting(event -> event.get("borrowing").asBoolean()).containsExactly(false, true);
    }

    @Test
    void anAdmissionIsAnnouncedOnceWithTheStepItDispatches() throws Exception {
        String first = request("routine", Map.of());
        String second = request("backfill", Map.of());
        assertThat(dispatched()).containsExactly(first + " work#1");
        List<JsonNode> admitted = emitted(EventTypes.POOL_WORKLOAD_ADMITTED);
        assertThat(admitted).hasSize(1);
        JsonNode event = admitted.getFirst();
        assertThat(event.get("workload").asText()).isEqualTo(first + "/work/1");
        assertThat(event.get("queue").asText()).isEqualTo("training");
        assertThat(event.get("priorityClass").asText()).isEqualTo("normal");
        assertThat(event.get("request").get("cpu").asText()).isEqualTo("1");
        assertThat(event.get("instance").asText()).isEqualTo("work");
        assertThat(event.get("attempt").asInt()).isEqualTo(1);
        assertThat(event.get("waitedSeconds").asDouble()).isZero();

        String completion = UUID.randomUUID().toString();
        StepCompleted completed = new StepCompleted(first, "work", 1, Map.of(), Map.of(), List.of());
        clock.advance(Duration.ofSeconds(3));
        coordinator.completed(EXECUTOR, completion, completed);
        coordinator.completed(EXECUTOR, completion, completed);
        admitted = emitted(EventTypes.POOL_WORKLOAD_ADMITTED);
        assertThat(admitted).as("a redelivered completion admits nothing more").hasSize(2);
        assertThat(admitted.get(1).get("runId").asText()).isEqualTo(second);
        assertThat(admitted.get(1).get("priorityClass").asText()).isEqualTo("low");
        assertThat(admitted.get(1).get("waitedSeconds").asDouble()).isEqualTo(3.0);
        assertThat(admitted.get(1).get("queuedAt").asText()).isEqualTo(clock.instant().minusSeconds(3).toString());
    }

    double queueGauge(String name, String resource) {
        return meters.get(name).tags("queue", "training", "resource", resource).gauge().value();
    }

    double pending(String priorityClass) {
        return meters.get("quiver.pool.queue.pending").tags("queue", "training", "priority_class", priorityClass)
                .gauge().value();
    }

    /** The events of {@code type} in the outbox, sent or not, in the order they were written. */
    List<JsonNode> emitted(String type) throws Exception {
        List<JsonNode> events = new ArrayList<>();
        try (Connection connection = dataSource().getConnection();
             PreparedStatement statement = connection.prepareStatement("select data from outbox where type = ? "
                     + "order by seq")) {
            statement.setString(1, type);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    events.add(JSON.readTree(rows.getString(1)));
                }
            }
        }
        return events;
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
